import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { TestClient } from '../../test/test-app';
import { parseConfig } from '../config/config';
import { decodeEventKey, loadSecrets } from '../config/secrets';
import { Keyring, masterKeyIdOf } from '../crypto/keyring';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { EventStore } from '../eventstore/store';
import { liveProjector } from '../projections/live';
import { allProjections } from '../projections/all';
import { startServer, type RunningServer } from '../server/start-server';
import { rotateMasterKey } from './rotation';

describeEachEngine('master-key rotation', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'chatterlink-rotate-'));
  const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', INSTANCE_DIR: dir, PORT: '0' });
  let database: DatabaseHandle;
  let server: RunningServer;
  let alice: TestClient;
  let room: string;
  beforeAll(async () => {
    database = await engine.open();
    server = await startServer({
      config,
      secrets: loadSecrets(config),
      database,
      logger: pino({ level: 'silent' }),
      bus: { kind: 'local' },
      staticDir: '/nonexistent',
      reloadSecrets: () => loadSecrets(config),
    });
    alice = await new TestClient(server.url).signUp('alice');
    room = (await alice.post('/api/rooms', { name: 'through the rotation' })).json.room.id;
    for (let i = 0; i < 3; i++) await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `before ${i}` });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-wraps every data key under a new master key while the app keeps reading and writing', async () => {
    const oldKey = decodeEventKey(readFileSync(join(dir, 'EVENT_KEY'), 'utf8'));
    const eventsBefore = await server.app.services.store.head();
    const url = (database as { url?: string }).url;
    // `make rotate-keys` is another process: with Postgres, its own connections.
    const rotatorDb = url ? await openDatabase({ engine: 'postgres', url }) : database;

    let sent = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const res = await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `during ${sent}` });
        expect(res.status).toBe(201);
        sent += 1;
      }
    })();
    const report = await rotateMasterKey(rotatorDb.db, config);
    writing = false;
    await writer;
    if (url) await rotatorDb.close();

    const newKey = decodeEventKey(readFileSync(join(dir, 'EVENT_KEY'), 'utf8'));
    expect(newKey.equals(oldKey)).toBe(false);
    expect(report).toMatchObject({ mode: 'files', newMasterKeyId: masterKeyIdOf(newKey), retired: [masterKeyIdOf(oldKey)] });
    expect(report.rewrapped).toBeGreaterThanOrEqual(2);
    expect([...report.wrapCounts.keys()]).toEqual([masterKeyIdOf(newKey)]);
    expect(existsSync(join(dir, 'EVENT_KEY.previous'))).toBe(false);
    expect(sent).toBeGreaterThan(0);
    // The running node switched to the new key by itself.
    expect(server.app.services.keyring.masterKeyId).toBe(masterKeyIdOf(newKey));

    // Still writable, by an existing and by a brand-new user, and everything readable.
    expect((await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'after' })).status).toBe(201);
    const bob = await new TestClient(server.url).signUp('bob');
    await bob.post(`/api/rooms/${room}/join`);
    const history = await wholeHistory(bob, room);
    expect(history.slice(0, 3)).toEqual(['before 0', 'before 1', 'before 2']);
    expect(history).toHaveLength(3 + sent + 1);
    expect(history.at(-1)).toBe('after');

    // No event was rewritten; a fresh process with only the new key reads the whole log; the old key alone reads nothing.
    const rows = await database.db.selectFrom('events').select(['position', 'hash']).where('position', '<=', eventsBefore).orderBy('position').execute();
    expect(rows).toHaveLength(eventsBefore);
    const fresh = new EventStore(database.db, new Keyring(database.db, newKey), liveProjector(allProjections));
    const all = await fresh.read({ after: 0, limit: 100_000 });
    expect(all.filter((e) => e.type === 'message.sent')).toHaveLength(3 + sent + 1);
    const stale = new EventStore(database.db, new Keyring(database.db, oldKey), liveProjector(allProjections));
    await expect(stale.read({ after: 0, limit: 10 })).rejects.toThrow(/master key/);
    expect((await new TestClient(server.url).signUp('carol')).user).toBeDefined();
    const keys = await database.db.selectFrom('data_keys').select('master_key_id').execute();
    expect(new Set(keys.map((k) => k.master_key_id))).toEqual(new Set([masterKeyIdOf(newKey)]));
  });

  it('in environment mode re-wraps under the new EVENT_KEY and reports EVENT_KEY_PREVIOUS retired', async () => {
    const handle = await engine.open();
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    await migrateToLatest(handle.db);
    const before = new Keyring(handle.db, oldKey);
    const owners = [randomUUID(), randomUUID(), randomUUID()];
    const originals = await before.keysFor(owners);
    const envConfig = parseConfig({
      NODE_ENV: 'test',
      INSTANCE_DIR: dir,
      EVENT_KEY: newKey.toString('hex'),
      EVENT_KEY_PREVIOUS: oldKey.toString('base64url'),
    });
    const report = await rotateMasterKey(handle.db, envConfig, { graceMs: 0 });
    expect(report).toMatchObject({ mode: 'environment', newMasterKeyId: masterKeyIdOf(newKey), rewrapped: 3, retired: [masterKeyIdOf(oldKey)] });
    const after = new Keyring(handle.db, newKey);
    for (const owner of owners) expect((await after.keyById(originals.get(owner)!.id)).equals(originals.get(owner)!.key)).toBe(true);
    await handle.close();
  });
});

/** Every message body of a room, oldest first, paging back as the PWA does (the writer's count depends on machine speed). */
async function wholeHistory(client: TestClient, room: string): Promise<string[]> {
  const bodies: string[] = [];
  let before = '';
  for (;;) {
    const page = (await client.get(`/api/rooms/${room}/messages?limit=200${before}`)).json as {
      messages: { body: string; position: number }[];
      hasMore: boolean;
    };
    bodies.unshift(...page.messages.map((m) => m.body));
    if (!page.hasMore || page.messages.length === 0) return bodies;
    before = `&before=${page.messages[0]!.position}`;
  }
}
