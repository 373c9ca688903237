import { computed, type Ref } from 'vue';
import { storeToRefs } from 'pinia';
import { useUsersStore } from '../stores/replica';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';

/** Names and presence of the users the replica knows. */
export function usePresence() {
  const { users } = storeToRefs(useUsersStore());
  return {
    users,
    nameOf: (id: string) => users.value.get(id)?.username ?? 'someone',
    isOnline: (id: string) => users.value.get(id)?.online ?? false,
  };
}

/** The members of a room, online first, with names. */
export function useMembers(roomId: Ref<string>) {
  const { db } = useChat();
  const { users } = usePresence();
  const ids = useLiveQuery(async () => (await db.members.where('roomId').equals(roomId.value).toArray()).map((m) => m.userId), [], [roomId]);
  return computed(() =>
    ids.value
      .map((id) => users.value.get(id) ?? { id, username: '…', online: false })
      .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username)),
  );
}
