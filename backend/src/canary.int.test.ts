import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../test/engines';
import { filesContaining } from '../test/scan';
import { startTestServer, TestClient } from '../test/test-app';
import { openDatabase } from './db/database';

/**
 * Sends a canary through every public route that carries user content, then
 * looks for it in plaintext everywhere the server could have put it.
 */
async function sendCanaries(url: string, canary: string) {
  const alice = await new TestClient(url).signUp('alice');
  const room = (await alice.get('/api/rooms')).json.rooms[0].id;
  const id = randomUUID();
  expect((await alice.post(`/api/rooms/${room}/messages`, { id, body: `first ${canary}` })).status).toBe(201);
  expect((await alice.request('PATCH', `/api/messages/${id}`, { body: `edited ${canary}` })).status).toBe(200);
  const history = await alice.get(`/api/rooms/${room}/messages`);
  // The server can still read it: it is sealed, not lost.
  expect(history.json.messages.at(-1).body).toBe(`edited ${canary}`);
}

describe('no plaintext at rest (canary scan)', () => {
  const cleanup: (() => void)[] = [];
  afterAll(() => cleanup.forEach((fn) => fn()));

  it('[pglite] the canary is in no file of the embedded data directory, nor in the logs', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const dir = mkdtempSync(join(tmpdir(), 'chatterlink-canary-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const database = await openDatabase({ engine: 'pglite', dataDir: join(dir, 'db') });
    const logs: Buffer[] = [];
    const server = await startTestServer(engines[0]!, { LOG_LEVEL: 'trace' }, database, pino({ level: 'trace' }, new Writable({ write: (c, _e, cb) => (logs.push(c), cb()) })));
    await sendCanaries(server.url, canary);
    await server.close(); // closes PGlite, flushing everything to disk

    const { hits, scanned } = await filesContaining(dir, canary);
    expect(scanned).toBeGreaterThan(100);
    expect(hits).toEqual([]);
    expect(Buffer.concat(logs).toString('utf8')).not.toContain(canary);
    // The scan can find what is there: the same bytes written in clear are found.
    const control = await openDatabase({ engine: 'pglite', dataDir: join(dir, 'control') });
    await sql`create table t (v text)`.execute(control.db);
    await sql`insert into t values (${canary})`.execute(control.db);
    await control.close();
    expect((await filesContaining(join(dir, 'control'), canary)).hits.length).toBeGreaterThan(0);
    // Two embedded databases created on disk, a server, two full scans: slow on a busy machine.
  }, 180_000);

  const postgres = engines.find((e) => e.name === 'postgres');
  it.runIf(postgres)('[postgres] the canary is in neither a full pg_dump nor the server data directory', async () => {
    const canary = `CANARY-${randomUUID()}`;
    const database = await postgres!.open();
    const server = await startTestServer(postgres!, {}, database);
    await sendCanaries(server.url, canary);
    const url = (database as { url?: string }).url!;
    await sql`checkpoint`.execute(database.db);
    const dump = execFileSync('pg_dump', ['--dbname', url, '--no-owner'], { maxBuffer: 512 * 1024 * 1024 });
    expect(dump.includes(Buffer.from('message.sent'))).toBe(true);
    expect(dump.includes(Buffer.from(canary))).toBe(false);

    const { rows } = await sql<{ dir: string }>`select current_setting('data_directory') as dir`.execute(database.db);
    const dataDir = rows[0]!.dir;
    accessSync(dataDir, constants.R_OK);
    const { hits, scanned } = await filesContaining(dataDir, canary);
    expect(scanned).toBeGreaterThan(100);
    expect(hits).toEqual([]);
    await server.close();
  });
});
