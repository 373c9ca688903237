import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine, engines } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import type { NewChatEvent } from '../events';
import { roomStream } from '../rooms/events';
import { EventStore } from '../eventstore/store';
import { allProjections } from './all';
import { liveProjector } from './live';
import { checksums, replayProjections } from './replay';

/** Drives every kind of event through the public API. */
async function seed(url: string) {
  const alice = await new TestClient(url).signUp('alice');
  const bob = await new TestClient(url).signUp('bob');
  await new TestClient(url).post('/api/auth/login', { username: 'bob', password: 'correct horse battery' });
  const pub = (await alice.post('/api/rooms', { name: 'pub' })).json.room.id;
  const priv = (await alice.post('/api/rooms', { name: 'priv', kind: 'private' })).json.room.id;
  await bob.post(`/api/rooms/${pub}/join`);
  await alice.post(`/api/rooms/${priv}/members`, { username: 'bob' });
  const dm = (await bob.post('/api/dms', { username: 'alice' })).json.room.id;
  const ids: string[] = [];
  for (const [client, room] of [[alice, pub], [bob, pub], [alice, priv], [bob, dm], [alice, dm]] as const) {
    const id = randomUUID();
    ids.push(id);
    await client.post(`/api/rooms/${room}/messages`, { id, body: `hello ${room}` });
  }
  await alice.request('PATCH', `/api/messages/${ids[0]}`, { body: 'edited' });
  await bob.request('DELETE', `/api/messages/${ids[1]}`);
  await bob.post(`/api/messages/${ids[0]}/reactions`, { emoji: '🎉' });
  await bob.post(`/api/rooms/${pub}/read`, { position: 1_000_000 });
  await bob.post(`/api/rooms/${priv}/leave`);
  await alice.post('/api/auth/logout');
}

describeEachEngine('replay', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
    await seed(server.url);
  });
  afterAll(async () => server?.close());

  it('rebuilds every projection from the log into exactly the live state', async () => {
    const { db, store } = server.app.services;
    const before = await checksums(db, allProjections);
    expect(before.find((t) => t.table === 'messages')!.rows).toBe(5);
    const progress: number[] = [];
    const report = await replayProjections(db, store, allProjections, (done) => progress.push(done));
    expect(report.identical).toBe(true);
    expect(report.events).toBe(await store.head());
    expect(progress.at(-1)).toBe(report.events);
    expect(await checksums(db, allProjections)).toEqual(before);
  });

  it('folds at the end the events that reach messages written out pages before (pages of two events)', async () => {
    const { db, store } = server.app.services;
    const before = await checksums(db, allProjections);
    const report = await replayProjections(db, store, allProjections, undefined, 2);
    // The edit, the deletion and the reaction come pages after their messages were sent and loaded.
    expect(report.lateEvents).toBeGreaterThanOrEqual(2);
    expect(report.identical).toBe(true);
    expect(await checksums(db, allProjections)).toEqual(before);
    expect((await replayProjections(db, store, allProjections)).lateEvents).toBe(0);
  });

  it('detects a projection that drifted from the log, and repairs it', async () => {
    const { db, store } = server.app.services;
    const before = await checksums(db, allProjections);
    await sql`update messages set deleted = not deleted`.execute(db);
    await sql`delete from reactions`.execute(db);
    const report = await replayProjections(db, store, allProjections);
    expect(report.identical).toBe(false);
    expect(report.tables.filter((t) => !t.equal).map((t) => t.table).sort()).toEqual(['messages', 'reactions']);
    expect(await checksums(db, allProjections)).toEqual(before);
  });

  it('makes a running server decide on the repaired rows, not on what it had read of the drifted ones', async () => {
    const { db, store, keyring } = server.app.services;
    const bob = new TestClient(server.url);
    bob.csrfToken = (await bob.post('/api/auth/login', { username: 'bob', password: 'correct horse battery' })).json.csrfToken;
    const pub = (await bob.get('/api/rooms')).json.rooms.find((room: { name: string }) => room.name === 'pub').id;
    const send = async () => (await bob.post(`/api/rooms/${pub}/messages`, { id: randomUUID(), body: 'still here' })).status;
    expect(await send()).toBe(201);
    // Drift: bob's membership goes. Another node's append then makes the server read the drifted row.
    await sql`delete from memberships where room_id = ${pub} and user_id = (select id from users where username = 'bob')`.execute(db);
    const otherNode = new EventStore(db, keyring, liveProjector(allProjections));
    const room = randomUUID();
    await otherNode.append({ actor: null, occurredAt: new Date(), events: [{ stream: roomStream(room), type: 'room.created', data: { roomId: room, name: 'elsewhere', kind: 'public' } }] });
    expect(await send()).toBe(403);
    // An append of alice's, read under the lock, finds the chain where the server left it: it decides on what it knows again.
    const alice = new TestClient(server.url);
    alice.csrfToken = (await alice.post('/api/auth/login', { username: 'alice', password: 'correct horse battery' })).json.csrfToken;
    expect((await alice.post(`/api/rooms/${pub}/messages`, { id: randomUUID(), body: 'hi' })).status).toBe(201);
    await replayProjections(db, store, allProjections);
    expect(await send()).toBe(201);
  });

  it('keeps serving and appending after a replay', async () => {
    const client = new TestClient(server.url);
    const login = await client.post('/api/auth/login', { username: 'alice', password: 'correct horse battery' });
    client.csrfToken = login.json.csrfToken;
    const room = (await client.get('/api/rooms')).json.rooms[0].id;
    expect((await client.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'after' })).status).toBe(201);
  });
});

describeEachEngine('replay of a log longer than a page', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  it('rebuilds rows that changed after the page that made them was loaded', async () => {
    const { db, store } = server.app.services;
    const actor = randomUUID();
    const roomId = randomUUID();
    const stream = roomStream(roomId);
    const ids = Array.from({ length: 10_500 }, () => randomUUID());
    const event = (type: string, data: Record<string, unknown>) => ({ type, stream, data: { roomId, ...data } }) as NewChatEvent;
    // More than one replay page (10,000 events), in requests of 1,000.
    for (let i = 0; i < ids.length; i += 1000) {
      const events = ids.slice(i, i + 1000).map((messageId) => event('message.sent', { messageId, body: `m ${messageId}` }));
      await store.append({ actor, occurredAt: new Date(), events });
    }
    // Then, in the second page, changes to rows of the first: edits, deletions, a reaction, an edit of a deleted one.
    await store.append({
      actor,
      occurredAt: new Date(),
      events: [
        ...ids.slice(0, 10).map((messageId) => event('message.edited', { messageId, body: 'edited' })),
        ...ids.slice(10, 20).map((messageId) => event('message.deleted', { messageId })),
        event('reaction.added', { messageId: ids[0], emoji: '🎉' }),
        event('message.edited', { messageId: ids[10], body: 'too late' }),
      ],
    });
    const before = await checksums(db, allProjections);
    const report = await replayProjections(db, store, allProjections);
    expect(report.events).toBe(await store.head());
    expect(report.events).toBeGreaterThanOrEqual(ids.length + 21);
    expect(report.tables.filter((t) => !t.equal)).toEqual([]);
    expect(await checksums(db, allProjections)).toEqual(before);
    const rows = await db.selectFrom('messages').select(['id', 'deleted', 'edited_at']).where('id', 'in', [ids[0]!, ids[10]!, ids[10_499]!]).execute();
    expect(new Map(rows.map((r) => [r.id, r.deleted]))).toEqual(new Map([[ids[0], false], [ids[10], true], [ids[10_499], false]]));
    expect(rows.find((r) => r.id === ids[0])!.edited_at).not.toBeNull();
  }, 120_000);
});

describe('make replay (the CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chatterlink-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/replay.ts'], { env: { ...process.env, ...env }, cwd: process.cwd() }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('rebuilds and verifies on the embedded database, and exits 1 when a table had drifted', async () => {
    const env = { INSTANCE_DIR: dir, NODE_ENV: 'development', DATABASE_URL: '' };
    const { openDatabase } = await import('../db/database');
    // Seed through a server on the same directory, then stop it (PGlite is single-process).
    const database = await openDatabase({ engine: 'pglite', dataDir: join(dir, 'db') });
    const { loadSecrets } = await import('../config/secrets');
    const { parseConfig } = await import('../config/config');
    const secrets = loadSecrets(parseConfig(env));
    const server = await startTestServer(engines[0]!, env, database, undefined, secrets);
    await seed(server.url);
    await server.close();

    const ok = await run(env);
    expect(ok.stderr).toMatch(/replay \[#+\] 100%/);
    expect(ok.stdout).toMatch(/All projections rebuilt and verified identical/);
    expect(ok.code).toBe(0);

    const tamper = await openDatabase({ engine: 'pglite', dataDir: join(dir, 'db') });
    await sql`update rooms set name = 'renamed'`.execute(tamper.db);
    await tamper.close();
    const drifted = await run(env);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(/rooms .* DIFFERENT/);
    expect((await run(env)).code).toBe(0);
    // Three cold processes, each opening the embedded database: slow on a busy machine.
  }, 180_000);
});
