import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import type { DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { membershipId } from '../rooms/projections/memberships';
import { RoomsOfLoader } from './rooms-of-loader';

describeEachEngine('rooms-of loader', (engine) => {
  let handle: DatabaseHandle;
  const [ada, bob, loner] = [randomUUID(), randomUUID(), randomUUID()];
  const [general, pair] = [randomUUID(), randomUUID()];

  const join = (roomId: string, userId: string) =>
    handle.db
      .insertInto('memberships')
      .values({ id: membershipId(roomId, userId), room_id: roomId, user_id: userId, joined_at: new Date(), last_read_position: 0, last_typing_at: null })
      .execute();

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    for (const [roomId, userId] of [[general, ada], [general, bob], [pair, ada]] as const) await join(roomId, userId);
  });
  afterAll(async () => handle?.close());

  it('answers each of many concurrent lookups with its own user’s rooms, repeats and users in no room included', async () => {
    const loader = new RoomsOfLoader(handle.db);
    const asked = [ada, bob, loner, ada];
    const answers = await Promise.all(asked.map((userId) => loader.load(userId)));
    expect(answers.map((rooms) => [...rooms].sort())).toEqual([[general, pair].sort(), [general], [], [general, pair].sort()]);
  });

  it('sees a join committed before the lookup was asked for', async () => {
    const loader = new RoomsOfLoader(handle.db);
    expect(await loader.load(loner)).toEqual([]);
    await join(pair, loner);
    expect(await loader.load(loner)).toEqual([pair]);
  });
});
