import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, EventRow } from '../../src/db/types';
import { chainHash } from '../../src/eventstore/hash-chain';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { securityEngine } from './security-server';
import { attack } from './tally';

type Sealed = Pick<EventRow, 'key_id' | 'nonce' | 'ciphertext'>;

/**
 * Rewrites the sealed payload of some rows as a database superuser would
 * (triggers off), then re-chains every later row's hash, so that only
 * authenticated decryption can notice. Returns a function that restores the log.
 */
async function reseal(db: Kysely<Database>, changes: ReadonlyMap<number, Sealed>): Promise<() => Promise<void>> {
  const from = Math.min(...changes.keys());
  const rows = await db.selectFrom('events').selectAll().where('position', '>=', from).orderBy('position').execute();
  const originals = new Map(rows.filter((r) => changes.has(r.position)).map((r) => [r.position, r] as const));
  let prev = rows[0]!.prev_hash;
  const forged = rows.map((row) => {
    const change = changes.get(row.position);
    const sealed = change ? { key_id: change.key_id, nonce: change.nonce, ciphertext: change.ciphertext } : {};
    const next = { ...row, ...sealed, prev_hash: prev };
    next.hash = chainHash(prev, {
      position: next.position,
      stream: next.stream,
      version: next.version,
      type: next.type,
      actor: next.actor,
      occurredAt: new Date(next.occurred_at),
      keyId: next.key_id,
      nonce: next.nonce,
      ciphertext: next.ciphertext,
      metadata: next.metadata,
    });
    prev = next.hash;
    return next;
  });
  await db.transaction().execute(async (tx) => {
    await sql`set local session_replication_role = replica`.execute(tx);
    for (const { position, key_id, nonce, ciphertext, prev_hash, hash } of forged) {
      await tx.updateTable('events').set({ key_id, nonce, ciphertext, prev_hash, hash }).where('position', '=', position).execute();
    }
  });
  // Restoring re-chains too: reading the audit appended rows meanwhile, chained to the forged hashes.
  return async () => void (await reseal(db, originals));
}

describe('encryption at rest under tampering', () => {
  let server: TestServer;
  let admin: TestClient;
  let db: Kysely<Database>;
  const rowOf = async (messageId: string) => {
    const position = (await admin.get('/api/admin/events?type=message.sent&limit=1000')).json.events.find(
      (e: { data: { messageId?: string } }) => e.data?.messageId === messageId,
    ).position as number;
    return db.selectFrom('events').selectAll().where('position', '=', position).executeTakeFirstOrThrow();
  };
  const messages: Record<'general' | 'dm' | 'bobs', string> = { general: randomUUID(), dm: randomUUID(), bobs: randomUUID() };

  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    db = server.database.db;
    admin = await new TestClient(server.url).signUp('admin');
    const bob = await new TestClient(server.url).signUp('bob');
    const general = (await admin.get('/api/rooms')).json.rooms[0].id;
    const dm = (await admin.post('/api/dms', { username: 'bob' })).json.room.id;
    await admin.post(`/api/rooms/${general}/messages`, { id: messages.general, body: 'in general' });
    await admin.post(`/api/rooms/${dm}/messages`, { id: messages.dm, body: 'in the dm' });
    await bob.post(`/api/rooms/${general}/messages`, { id: messages.bobs, body: 'bob speaking' });
    for (let i = 0; i < 3; i++) await admin.post(`/api/rooms/${general}/messages`, { id: randomUUID(), body: `later ${i}` });
  });
  afterAll(async () => server?.close());

  /** The store refuses to decrypt `position`, and the audit verify names it (or an earlier tampered row). */
  const expectDetected = async (name: string, position: number) => {
    await attack(`${name}: decryption`, async () => {
      await expect(server.app.services.store.readAt([position])).rejects.toThrow();
    });
    await attack(`${name}: audit verify`, async () => {
      const report = (await admin.get('/api/admin/verify')).json;
      expect(report).toMatchObject({ ok: false, firstBadPosition: position });
    });
  };

  it('the untouched log decrypts and verifies', async () => {
    expect((await admin.get('/api/admin/verify')).json).toMatchObject({ ok: true });
  });

  it('a flipped ciphertext bit fails authenticated decryption loudly', async () => {
    const row = await rowOf(messages.general);
    const ciphertext = Buffer.from(row.ciphertext);
    ciphertext[ciphertext.length >> 1]! ^= 0x01;
    const restore = await reseal(db, new Map([[row.position, { ...row, ciphertext }]]));
    await expectDetected('tampered ciphertext', row.position);
    await restore();
    expect((await admin.get('/api/admin/verify')).json).toMatchObject({ ok: true });
  });

  it('sealed payloads swapped between two streams fail to decrypt in both places', async () => {
    const [a, b] = [await rowOf(messages.general), await rowOf(messages.dm)];
    const restore = await reseal(db, new Map([[a.position, b], [b.position, a]]));
    await expectDetected('rows swapped between streams', Math.min(a.position, b.position));
    await expect(server.app.services.store.readAt([Math.max(a.position, b.position)])).rejects.toThrow();
    await restore();
    expect((await admin.get('/api/admin/verify')).json).toMatchObject({ ok: true });
  });

  it("a row pointed at another user's data key fails to decrypt", async () => {
    const [mine, bobs] = [await rowOf(messages.general), await rowOf(messages.bobs)];
    expect(bobs.key_id).not.toBe(mine.key_id);
    const restore = await reseal(db, new Map([[mine.position, { ...mine, key_id: bobs.key_id }]]));
    await expectDetected('wrong key id', mine.position);
    await restore();
    expect((await admin.get('/api/admin/verify')).json).toMatchObject({ ok: true });
  });
});
