import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Replica } from '../db/replica';
import { forgetRoom } from './apply-event';
import { refreshRooms } from './fetchers';

const listed = (...ids: string[]) => ({ rooms: ids.map((id) => ({ id, name: id, kind: 'public', unread: 0, lastPosition: 5 })) });

/** Stubs `fetch` so each `GET /api/rooms` waits until the test answers it. */
function heldRoomLists() {
  const waiting: ((body: unknown) => void)[] = [];
  vi.stubGlobal('fetch', () => new Promise<Response>((resolve) => waiting.push((body) => resolve(Response.json(body)))));
  return {
    answer: async (body: unknown) => {
      await vi.waitFor(() => expect(waiting.length).toBeGreaterThan(0));
      waiting.shift()!(body);
    },
  };
}

describe('refreshRooms', () => {
  let db: Replica;
  beforeEach(async () => {
    db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.bulkPut(['general', 'random'].map((id) => ({ id, name: id, kind: 'public' as const, unread: 0, lastPosition: 5, readPosition: 5 })));
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    await db.delete();
  });

  it('adds the rooms the server lists and drops those it no longer lists', async () => {
    const server = heldRoomLists();
    const refreshed = refreshRooms(db);
    await server.answer(listed('general', 'new'));
    await refreshed;
    expect((await db.rooms.toArray()).map((r) => r.id).sort()).toEqual(['general', 'new']);
  });

  it('does not bring back a room left while the list was under way (the answer predates the leave)', async () => {
    const server = heldRoomLists();
    const refreshed = refreshRooms(db);
    await db.transaction('rw', [db.rooms, db.messages, db.members, db.history], () => forgetRoom(db, 'random'));
    await server.answer(listed('general', 'random'));
    await refreshed;
    expect(await db.rooms.get('random')).toBeUndefined();
    expect(await db.rooms.get('general')).toBeDefined();
  });

  it('brings the room back when a list asked for after the leave still holds it (rejoined)', async () => {
    await db.transaction('rw', [db.rooms, db.messages, db.members, db.history], () => forgetRoom(db, 'random'));
    const server = heldRoomLists();
    const refreshed = refreshRooms(db);
    await server.answer(listed('general', 'random'));
    await refreshed;
    expect(await db.rooms.get('random')).toMatchObject({ id: 'random', lastPosition: 5 });
  });
});
