import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import { DecryptionError, open } from '../crypto/aead';
import { ErasedKeyError, Keyring } from '../crypto/keyring';
import type { Database } from '../db/types';
import { associatedData } from '../eventstore/store';
import { allProjections } from '../projections/all';
import { replayProjections } from '../projections/replay';
import { sampleImages } from '../../test/upload-samples';
import { erasedUsername } from './redact';

/** Every row of every table in the schema, as text: what a logical dump holds. */
async function dumpAllTables(db: Kysely<Database>): Promise<string> {
  const tables = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(db);
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} t`.execute(db);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}

describeEachEngine('crypto-erasure of a user', (engine) => {
  const canary = `CANARY-${randomUUID()}`;
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let room: string;
  let aliceMessage: string;
  let wrappedBefore: Buffer;
  let uploadUrl: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await new TestClient(server.url).signUp('admin');
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    room = (await alice.post('/api/rooms', { name: 'shared' })).json.room.id;
    await bob.post(`/api/rooms/${room}/join`);
    aliceMessage = randomUUID();
    await alice.post(`/api/rooms/${room}/messages`, { id: aliceMessage, body: `first ${canary}` });
    await alice.request('PATCH', `/api/messages/${aliceMessage}`, { body: `edited ${canary}` });
    const bobMessage = randomUUID();
    await bob.post(`/api/rooms/${room}/messages`, { id: bobMessage, body: 'bob stays readable' });
    await alice.post(`/api/messages/${bobMessage}/reactions`, { emoji: '👍' });
    const form = new FormData();
    form.set('file', new Blob([(await sampleImages()).png], { type: 'image/png' }), `${canary}.png`);
    const uploaded = await fetch(`${server.url}/api/rooms/${room}/uploads`, {
      method: 'POST',
      headers: { cookie: alice.cookie!, 'x-csrf-token': alice.csrfToken! },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    uploadUrl = ((await uploaded.json()) as { upload: { url: string } }).upload.url;
    expect((await fetch(server.url + uploadUrl, { headers: { cookie: bob.cookie! } })).status).toBe(200);
    const row = await server.database.db.selectFrom('data_keys').select('wrapped').where('owner', '=', alice.user!.id).executeTakeFirstOrThrow();
    wrappedBefore = row.wrapped!;
  });
  afterAll(async () => server?.close());

  it('erases through the admin route: sessions end, the key is destroyed, the chain still verifies', async () => {
    const socket = await alice.socket();
    await socket.hello(0);
    const res = await admin.post(`/api/admin/users/${alice.user!.id}/erase`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ userId: alice.user!.id, alreadyErased: false, sessionsEnded: 1 });
    expect(res.json.erasedEvents).toBeGreaterThanOrEqual(5);
    expect((await socket.waitForClose()).code).toBe(4401);
    expect((await alice.get('/api/me')).status).toBe(401);
    const key = await server.database.db.selectFrom('data_keys').selectAll().where('owner', '=', alice.user!.id).executeTakeFirstOrThrow();
    expect(key.wrapped).toBeNull();
    expect(key.destroyed_at).not.toBeNull();
    expect((await admin.get('/api/admin/verify')).json).toMatchObject({ ok: true });
    const login = await new TestClient(server.url).post('/api/auth/login', { username: 'alice', password: 'correct horse battery' });
    expect(login.status).toBe(401);
  });

  it('shows the erased content as erased in history, never a 500, while others stay readable', async () => {
    const history = await bob.get(`/api/rooms/${room}/messages`);
    expect(history.status).toBe(200);
    const mine = history.json.messages.find((m: { id: string }) => m.id === aliceMessage);
    expect(mine).toMatchObject({ body: null, erased: true, author: { id: alice.user!.id, username: erasedUsername(alice.user!.id) } });
    expect(history.json.messages.find((m: { body: string }) => m.body === 'bob stays readable')).toBeDefined();
    expect(JSON.stringify(history.json)).not.toContain(canary);
    expect(JSON.stringify((await bob.get(`/api/users?query=ali`)).json)).not.toContain('"alice"');
  });

  it('makes their uploads unreadable: 410 erased, and no file name left', async () => {
    const download = await fetch(server.url + uploadUrl, { headers: { cookie: bob.cookie! } });
    expect(download.status).toBe(410);
    expect(((await download.json()) as { error: { code: string } }).error.code).toBe('erased');
    const history = await bob.get(`/api/rooms/${room}/messages`);
    expect(history.status).toBe(200);
    expect(history.text).not.toContain(canary);
  });

  it('shows the erased payloads as erased in log reads and exports', async () => {
    const page = await admin.get(`/api/admin/events?actor=${alice.user!.id}&limit=1000`);
    expect(page.status).toBe(200);
    const sealedByAlice = page.json.events.filter((e: { erased?: boolean }) => e.erased);
    expect(sealedByAlice.length).toBeGreaterThanOrEqual(4);
    expect(sealedByAlice.every((e: { data: unknown }) => e.data === null)).toBe(true);
    const exported = await fetch(`${server.url}/api/admin/events/export`, { headers: { cookie: admin.cookie! } });
    const text = await exported.text();
    expect(exported.status).toBe(200);
    expect(text).not.toContain(canary);
    expect(text).not.toContain('"alice"');
    expect(text).toContain('"erased":true');
    expect(text).toContain('bob stays readable');
  });

  it('a catch-up from 0 by a room member does not fail on erased events', async () => {
    const socket = await bob.socket();
    await socket.hello(0);
    expect(JSON.stringify(socket.frames)).not.toContain(canary);
    expect(socket.events('message.sent').length).toBeGreaterThanOrEqual(2);
    // Clients learn to drop the copies they cached, in catch-up as live.
    expect(socket.events('room.author_erased').map((f) => f.data)).toContainEqual({ roomId: room, userId: alice.user!.id });
    socket.close();
  });

  it('replays to identical projections after the erasure', async () => {
    const report = await replayProjections(server.database.db, server.app.services.store, allProjections);
    expect(report.tables.filter((t) => !t.equal)).toEqual([]);
  });

  it('the canary cannot be recovered with the master key: not in any table, and no key opens its events', async () => {
    const dump = await dumpAllTables(server.database.db);
    expect(dump).toContain('message.sent');
    expect(dump).not.toContain(canary);
    expect(dump).not.toContain(wrappedBefore.toString('hex'));

    const masterKey = server.secrets.eventKey;
    const fresh = new Keyring(server.database.db, masterKey);
    const keys = await server.database.db.selectFrom('data_keys').selectAll().execute();
    const aliceKeyId = keys.find((k) => k.owner === alice.user!.id)!.id;
    const candidates = [masterKey];
    for (const k of keys) if (k.wrapped) candidates.push(await fresh.keyById(k.id));
    const rows = await server.database.db.selectFrom('events').selectAll().where('key_id', '=', aliceKeyId).execute();
    expect(rows.length).toBeGreaterThanOrEqual(5);
    let attempts = 0;
    for (const row of rows) {
      await expect(fresh.keyById(row.key_id)).rejects.toBeInstanceOf(ErasedKeyError);
      for (const key of candidates) {
        attempts += 1;
        expect(() => open(key, { nonce: row.nonce, ciphertext: row.ciphertext }, associatedData(row.stream, row.version, row.type))).toThrow(DecryptionError);
      }
    }
    expect(attempts).toBeGreaterThanOrEqual(rows.length * 3);
    const readable = await server.app.services.store.read({ after: 0, limit: 100_000 });
    expect(JSON.stringify(readable)).not.toContain(canary);

    const url = (server.database as { url?: string }).url;
    if (url) {
      const pgDump = execFileSync('pg_dump', ['--dbname', url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
      expect(pgDump.includes(Buffer.from('message.sent'))).toBe(true);
      expect(pgDump.includes(Buffer.from(canary))).toBe(false);
      expect(pgDump.includes(Buffer.from(wrappedBefore.toString('hex')))).toBe(false);
    }
  });

  it('erasing again only confirms; a cached key elsewhere is dropped by purgeDestroyed', async () => {
    const again = await admin.post(`/api/admin/users/${alice.user!.id}/erase`);
    expect(again.json).toMatchObject({ alreadyErased: true, erasedEvents: 0 });

    const carol = await new TestClient(server.url).signUp('carol');
    const otherNode = new Keyring(server.database.db, server.secrets.eventKey);
    const carolKey = (await otherNode.keysFor([carol.user!.id])).get(carol.user!.id)!;
    expect(await otherNode.keyById(carolKey.id)).toEqual(carolKey.key);
    await server.app.services.erasure.erase({ username: 'carol' }, null);
    expect(await otherNode.keyById(carolKey.id)).toEqual(carolKey.key);
    await otherNode.purgeDestroyed();
    await expect(otherNode.keyById(carolKey.id)).rejects.toBeInstanceOf(ErasedKeyError);
    await expect(otherNode.keysFor([carol.user!.id])).rejects.toBeInstanceOf(ErasedKeyError);
  });
});
