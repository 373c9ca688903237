import { storeToRefs } from 'pinia';
import { useRoomsStore } from '../stores/replica';

/** The user's rooms and DMs from the replica, sorted for the sidebar. */
export function useRooms() {
  return storeToRefs(useRoomsStore());
}
