import { defineStore } from 'pinia';
import { computed } from 'vue';
import { useLiveQuery } from '../composables/useLiveQuery';
import type { RoomRow, UserRow } from '../db/replica';
import { useSessionStore } from './session';

const byName = (a: RoomRow, b: RoomRow) => a.name.localeCompare(b.name);

/** The signed-in user's rooms, straight from the replica (one live query shared by every view). */
export const useRoomsStore = defineStore('rooms', () => {
  const session = useSessionStore();
  const rooms = useLiveQuery(async () => (await session.client?.db.rooms.toArray()) ?? [], [] as RoomRow[], [() => session.client]);
  return {
    rooms,
    channels: computed(() => rooms.value.filter((r) => r.kind !== 'dm').sort(byName)),
    directs: computed(() => rooms.value.filter((r) => r.kind === 'dm').sort(byName)),
  };
});

/** Every user the replica knows, by id, with presence (kept live by `presence` frames). */
export const useUsersStore = defineStore('users', () => {
  const session = useSessionStore();
  const users = useLiveQuery(
    async () => new Map(((await session.client?.db.users.toArray()) ?? []).map((u) => [u.id, u])),
    new Map<string, UserRow>(),
    [() => session.client],
  );
  return { users };
});
