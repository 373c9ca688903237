import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import type { Database, EventRow } from '../db/types';
import { chainHash } from '../eventstore/hash-chain';
import { chainedFieldsOf, verifyChain } from './verify';

/** Runs `change` as a superuser with every trigger off: what an attacker with database access can do. */
async function behindTheAppsBack(db: Kysely<Database>, change: (tx: Transaction<Database>) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    await change(tx);
  });
}

const rowAt = (db: Kysely<Database>, position: number) =>
  db.selectFrom('events').selectAll().where('position', '=', position).executeTakeFirstOrThrow();

describeEachEngine('tamper-evidence', (engine) => {
  let server: TestServer;
  let admin: TestClient;
  let db: Kysely<Database>;
  beforeAll(async () => {
    server = await startTestServer(engine);
    db = server.database.db;
    admin = await new TestClient(server.url).signUp('admin');
    const room = (await admin.get('/api/rooms')).json.rooms[0].id;
    for (let i = 0; i < 10; i++) await admin.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `entry ${i}` });
  });
  afterAll(async () => server?.close());

  // Straight to the checker: the route would append its own audit.read after a forged tail row.
  const verify = () => verifyChain(server.app.services.store, server.app.services.audit.checkpoints);

  it('the untouched log verifies, through the route too', async () => {
    expect(await verify()).toMatchObject({ ok: true });
    const viaRoute = (await admin.get('/api/admin/verify')).json;
    expect(viaRoute).toMatchObject({ ok: true });
    expect(viaRoute).not.toHaveProperty('firstBadPosition');
  });

  it('the triggers refuse changes made the ordinary way', async () => {
    await expect(db.updateTable('events').set({ type: 'x' }).where('position', '=', 3).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('events').where('position', '=', 3).execute()).rejects.toThrow(/append-only/);
  });

  it('names a row whose ciphertext was altered', async () => {
    const original = await rowAt(db, 5);
    const altered = Buffer.from(original.ciphertext);
    altered[0] = altered[0]! ^ 1;
    await behindTheAppsBack(db, (tx) => tx.updateTable('events').set({ ciphertext: altered }).where('position', '=', 5).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadPosition: 5 });
    await behindTheAppsBack(db, (tx) => tx.updateTable('events').set({ ciphertext: original.ciphertext }).where('position', '=', 5).execute());
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names a row whose plaintext columns were altered, even with its own hash recomputed', async () => {
    const original = await rowAt(db, 6);
    const actor = randomUUID();
    const hash = chainHash(original.prev_hash, { ...chainedFieldsOf(original), actor });
    await behindTheAppsBack(db, (tx) => tx.updateTable('events').set({ actor, hash }).where('position', '=', 6).execute());
    const report = await verify();
    // Its own hash holds now, so the next row's link to it breaks.
    expect(report).toMatchObject({ ok: false, firstBadPosition: 7 });
    await behindTheAppsBack(db, (tx) => tx.updateTable('events').set({ actor: original.actor, hash: original.hash }).where('position', '=', 6).execute());
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names the position of a removed row', async () => {
    const original = await rowAt(db, 4);
    await behindTheAppsBack(db, (tx) => tx.deleteFrom('events').where('position', '=', 4).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadPosition: 4, reason: expect.stringContaining('missing') });
    await behindTheAppsBack(db, (tx) => tx.insertInto('events').values(insertable(original)).execute());
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names a row inserted at the end, whether its hash is naive or correctly chained', async () => {
    const head = await server.app.services.store.head();
    const last = await rowAt(db, head);
    const forged = { ...last, position: head + 1, stream: `room-${randomUUID()}`, version: 1, prev_hash: last.hash };
    await behindTheAppsBack(db, (tx) => tx.insertInto('events').values(insertable({ ...forged, hash: randomBytes(32) })).execute());
    expect(await verify()).toMatchObject({ ok: false, firstBadPosition: head + 1 });
    const chained = { ...forged, hash: chainHash(last.hash, chainedFieldsOf(forged)) };
    await behindTheAppsBack(db, async (tx) => {
      await tx.deleteFrom('events').where('position', '=', head + 1).execute();
      await tx.insertInto('events').values(insertable(chained)).execute();
    });
    // The chain links, but the copied ciphertext is bound to another stream: it does not authenticate.
    expect(await verify()).toMatchObject({ ok: false, firstBadPosition: head + 1, reason: expect.stringContaining('authenticate') });
    await behindTheAppsBack(db, (tx) => tx.deleteFrom('events').where('position', '=', head + 1).execute());
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('detects a tail cut off behind a signed checkpoint, and a forged checkpoint', async () => {
    const signed = (await admin.post('/api/admin/checkpoints')).json.checkpoint;
    const head = signed.position;
    const tail = [await rowAt(db, head - 1), await rowAt(db, head)];
    await behindTheAppsBack(db, (tx) => tx.deleteFrom('events').where('position', '>=', head - 1).execute());
    const cut = await verify();
    expect(cut).toMatchObject({ ok: false, firstBadPosition: head - 1, reason: expect.stringContaining('cut off') });
    await behindTheAppsBack(db, (tx) => tx.insertInto('events').values(tail.map(insertable)).execute());
    expect(await verify()).toMatchObject({ ok: true, checkpoint: { position: head } });

    const keyId = (await db.selectFrom('checkpoints').select('key_id').executeTakeFirstOrThrow()).key_id;
    const now = await server.app.services.store.head();
    await behindTheAppsBack(db, (tx) =>
      tx.insertInto('checkpoints').values({ position: now + 100, hash: randomBytes(32), signed_at: new Date(), key_id: keyId, signature: randomBytes(64) }).execute(),
    );
    expect(await verify()).toMatchObject({ ok: false, firstBadPosition: now + 100, reason: expect.stringContaining('signature') });
    await behindTheAppsBack(db, (tx) => tx.deleteFrom('checkpoints').where('position', '=', now + 100).execute());
    expect(await verify()).toMatchObject({ ok: true });
  });
});

function insertable(row: EventRow) {
  return { ...row, metadata: JSON.stringify(row.metadata) };
}
