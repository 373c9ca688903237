import { computed, type Ref } from 'vue';
import type { UserRow } from '../db/replica';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';

/** Every user the replica knows, by id, with presence (kept live by `presence` frames). */
export function usePresence() {
  const { db } = useChat();
  const users = useLiveQuery(async () => new Map((await db.users.toArray()).map((u) => [u.id, u])), new Map<string, UserRow>());
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
