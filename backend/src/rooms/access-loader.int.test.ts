import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { loadRoomAccess } from './access';
import { RoomAccessLoader } from './access-loader';
import { membershipId } from './projections/memberships';

describeEachEngine('room access loader', (engine) => {
  let handle: DatabaseHandle;
  const member = randomUUID();
  const outsider = randomUUID();
  const rooms = { public: randomUUID(), private: randomUUID(), dm: randomUUID() };

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    const at = new Date();
    for (const [kind, id] of Object.entries(rooms) as ['public' | 'private' | 'dm', string][]) {
      await handle.db.insertInto('rooms').values({ id, name: kind, kind, created_by: member, created_at: at, last_position: 0 }).execute();
      await handle.db
        .insertInto('memberships')
        .values({ id: membershipId(id, member), room_id: id, user_id: member, joined_at: at, last_read_position: 0, last_typing_at: null })
        .execute();
    }
  });
  afterAll(async () => handle?.close());

  it('answers concurrent lookups exactly as loadRoomAccess does, repeats and unknown rooms included', async () => {
    const loader = new RoomAccessLoader(handle.db);
    const lookups = [...Object.values(rooms), randomUUID()].flatMap((room) => [
      [room, member],
      [room, outsider],
      [room, member],
    ]);
    const batched = await Promise.all(lookups.map(([room, user]) => loader.load({ roomId: room!, userId: user! })));
    const single = await Promise.all(lookups.map(([room, user]) => loadRoomAccess(handle.db, room!, user!)));
    expect(batched).toEqual(single);
    expect(batched.slice(0, 3)).toEqual([
      { room: { kind: 'public' }, isMember: true },
      { room: { kind: 'public' }, isMember: false },
      { room: { kind: 'public' }, isMember: true },
    ]);
    expect(batched[4]).toEqual({ room: undefined, isMember: false });
  });

  it('sees a removal committed before the lookup was asked for', async () => {
    const loader = new RoomAccessLoader(handle.db);
    expect(await loader.load({ roomId: rooms.private, userId: member })).toEqual({ room: { kind: 'private' }, isMember: true });
    await handle.db.deleteFrom('memberships').where('id', '=', membershipId(rooms.private, member)).execute();
    expect(await loader.load({ roomId: rooms.private, userId: member })).toEqual({ room: undefined, isMember: false });
  });
});
