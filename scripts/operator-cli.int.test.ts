import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../backend/src/config/config';
import { loadSecrets } from '../backend/src/config/secrets';
import { openDatabase, type DatabaseHandle } from '../backend/src/db/database';
import { databaseTargetOf } from '../backend/src/db/target';
import { startServer } from '../backend/src/server/start-server';
import { engines } from '../backend/test/engines';
import { TestClient } from '../backend/test/test-app';

const exec = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'chatterlink-cli-'));
const instance = join(root, 'instance');
const canary = `CANARY-${randomUUID()}`;
// Postgres when the tests have one (each process opens it in a blink), else the embedded database.
const engine = engines.at(-1)!;
const databases: DatabaseHandle[] = [];
let databaseUrl: string | undefined;

/** Runs an operator script as `make` would, against the instance in `dir` (and its database). */
async function cli(script: string, args: string[], dir = instance, url = databaseUrl): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, EVENT_KEY: _key, SECRET_KEY: _secret, ...env } = process.env;
  try {
    const { stdout, stderr } = await exec('node_modules/.bin/tsx', [`scripts/${script}`, ...args], {
      env: { ...env, NODE_ENV: 'development', INSTANCE_DIR: dir, LOG_LEVEL: 'silent', ...(url ? { DATABASE_URL: url } : {}) },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe(`operator command lines [${engine.name}]`, () => {
  beforeAll(async () => {
    if (engine.name === 'postgres') {
      databases.push(await engine.open());
      databaseUrl = (databases[0] as { url?: string }).url;
    }
    const config = parseConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', INSTANCE_DIR: instance, PORT: '0', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    const database = databases[0] ?? (await openDatabase(databaseTargetOf(config)));
    const server = await startServer({ config, secrets: loadSecrets(config), database, logger: pino({ level: 'silent' }), bus: { kind: 'local' }, staticDir: '/nonexistent' });
    const alice = await new TestClient(server.url).signUp('alice');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id;
    await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `hello ${canary}` });
    // The embedded database is single-process: operators stop the server first.
    if (!databaseUrl) await server.close();
    else afterAll(() => server.close());
  });
  afterAll(async () => {
    for (const database of databases.reverse()) await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('make audit: verify, browse, export, and refuses bad filters', async () => {
    const verify = await cli('audit.ts', ['verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^OK: \d+ events, hash chain intact/);
    const browse = await cli('audit.ts', ['browse', '--type=message.sent']);
    expect(browse.stdout).toContain(`hello ${canary}`);
    expect(browse.stdout).toContain('(1 events, end of log)');
    const out = join(root, 'export.ndjson');
    expect((await cli('audit.ts', ['export', `--out=${out}`, '--type=message.sent'])).code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).data.body)).toEqual([`hello ${canary}`]);
    const bad = await cli('audit.ts', ['browse', '--limit=0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--limit');
  });

  it('make erase-user, then make rotate-keys, then make replay: all consistent', async () => {
    const erased = await cli('erase-user.ts', ['alice', '--yes']);
    expect(erased.code).toBe(0);
    expect(erased.stdout).toMatch(/Erased alice .* data key destroyed/);

    const before = readFileSync(join(instance, 'EVENT_KEY'), 'utf8');
    const rotated = await cli('rotate-keys.ts', []);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/Retired master key/);
    expect(readFileSync(join(instance, 'EVENT_KEY'), 'utf8')).not.toBe(before);

    const replay = await cli('replay.ts', []);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('All projections rebuilt and verified identical.');
    const trail = await cli('audit.ts', ['browse', '--stream=audit']);
    expect(trail.stdout).toMatch(/audit\.read .*"via":"cli:/);
    expect((await cli('audit.ts', ['browse', '--type=message.sent'])).stdout).toContain('(erased)');
  });

  it('make backup and make restore round-trip into a new instance that verifies', async () => {
    const backup = join(root, 'backup');
    expect((await cli('backup.ts', [backup])).code).toBe(0);
    const restoredInstance = join(root, 'restored');
    let restoredUrl: string | undefined;
    if (databaseUrl) {
      databases.push(await engine.open());
      restoredUrl = (databases.at(-1) as { url?: string }).url;
    }
    const restored = await cli('restore.ts', [backup], restoredInstance, restoredUrl);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/Verified: \d+ events, chain intact/);
  });
});
