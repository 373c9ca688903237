import { computed } from 'vue';
import type { RoomRow } from '../db/replica';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';

const byName = (a: RoomRow, b: RoomRow) => a.name.localeCompare(b.name);

/** The user's rooms and DMs from the replica, sorted for the sidebar. */
export function useRooms() {
  const { db } = useChat();
  const rooms = useLiveQuery(() => db.rooms.toArray(), []);
  return {
    rooms,
    channels: computed(() => rooms.value.filter((r) => r.kind !== 'dm').sort(byName)),
    directs: computed(() => rooms.value.filter((r) => r.kind === 'dm').sort(byName)),
  };
}
