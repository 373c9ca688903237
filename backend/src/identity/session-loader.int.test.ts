import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import type { DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { SessionLoader } from './session-loader';

describeEachEngine('session loader', (engine) => {
  let handle: DatabaseHandle;
  const ada = { id: randomUUID(), username: 'Ada', username_lower: 'ada', is_admin: true };
  const bob = { id: randomUUID(), username: 'Bob', username_lower: 'bob', is_admin: false };
  const expiresAt = new Date(Date.now() + 3_600_000);
  const endedAt = new Date(Date.now() - 60_000);
  const sessions = { ada: randomUUID(), bob: randomUUID(), bobEnded: randomUUID(), orphan: randomUUID() };

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    for (const user of [ada, bob]) {
      await handle.db.insertInto('users').values({ ...user, password_hash: 'x', created_at: new Date() }).execute();
    }
    await handle.db
      .insertInto('sessions')
      .values([
        { id: sessions.ada, user_id: ada.id, expires_at: expiresAt, ended_at: null },
        { id: sessions.bob, user_id: bob.id, expires_at: expiresAt, ended_at: null },
        { id: sessions.bobEnded, user_id: bob.id, expires_at: expiresAt, ended_at: endedAt },
        // A session whose user row is gone.
        { id: sessions.orphan, user_id: randomUUID(), expires_at: expiresAt, ended_at: null },
      ])
      .execute();
  });
  afterAll(async () => handle?.close());

  it('answers concurrent lookups in the order asked, each with its session and user, repeats and unknown ids included', async () => {
    const loader = new SessionLoader(handle.db);
    const unknown = randomUUID();
    const asked = [sessions.bob, sessions.ada, unknown, sessions.bobEnded, sessions.orphan, sessions.bob];
    const answers = await Promise.all(asked.map((id) => loader.load(id)));
    const active = { expiresAt: expiresAt.getTime(), ended: false };
    expect(answers).toEqual([
      { session: { userId: bob.id, ...active }, user: bob },
      { session: { userId: ada.id, ...active }, user: ada },
      { session: undefined, user: undefined },
      { session: { userId: bob.id, expiresAt: expiresAt.getTime(), ended: true }, user: bob },
      { session: { userId: expect.any(String), ...active }, user: undefined },
      { session: { userId: bob.id, ...active }, user: bob },
    ]);
  });

  it('sees a logout committed before the lookup was asked for', async () => {
    const loader = new SessionLoader(handle.db);
    expect((await loader.load(sessions.ada)).session?.ended).toBe(false);
    await handle.db.updateTable('sessions').set({ ended_at: endedAt }).where('id', '=', sessions.ada).execute();
    expect((await loader.load(sessions.ada)).session?.ended).toBe(true);
  });
});
