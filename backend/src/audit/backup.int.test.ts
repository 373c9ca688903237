import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { TestClient } from '../../test/test-app';
import { parseConfig, type Config } from '../config/config';
import { loadSecrets } from '../config/secrets';
import { Keyring } from '../crypto/keyring';
import { openDatabase } from '../db/database';
import { databaseTargetOf } from '../db/target';
import { EventStore } from '../eventstore/store';
import { allProjections } from '../projections/all';
import { liveProjector } from '../projections/live';
import { startServer } from '../server/start-server';
import { createBackup, restoreBackup } from './backup';
import { Checkpoints, CheckpointSigner } from './checkpoints';
import { ErasureRedactions } from './redactions';
import { verifyChain } from './verify';

/** Opens a restored instance as a new server process would, and checks its chain and messages. */
async function openRestored(config: Config) {
  const secrets = loadSecrets(config);
  const database = await openDatabase(databaseTargetOf(config));
  const keyring = new Keyring(database.db, secrets.eventKey, secrets.previousEventKeys);
  const store = new EventStore(database.db, keyring, liveProjector(allProjections), new ErasureRedactions(keyring));
  const report = await verifyChain(store, new Checkpoints(database.db, store, new CheckpointSigner(secrets.secretKey)));
  const bodies = (await store.read({ after: 0, limit: 100_000 })).flatMap((e) => (e.type === 'message.sent' ? [e.data.body] : []));
  await database.close();
  return { report, bodies };
}

describeEachEngine('backup and restore', (engine) => {
  const root = mkdtempSync(join(tmpdir(), 'chatterlink-backup-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('round-trips the database, uploads and keys; the restored chain verifies', async () => {
    const source = await engine.open();
    const url = (source as { url?: string }).url;
    const instance = join(root, 'source');
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', INSTANCE_DIR: instance, PORT: '0', ...(url ? { DATABASE_URL: url } : {}) };
    const config = parseConfig(env);
    if (!url) await source.close(); // the embedded engine under test lives in INSTANCE_DIR instead
    const database = url ? source : await openDatabase(databaseTargetOf(config));
    const secrets = loadSecrets(config);
    const server = await startServer({ config, secrets, database, logger: pino({ level: 'silent' }), bus: { kind: 'local' }, staticDir: '/nonexistent' });
    const alice = await new TestClient(server.url).signUp('alice');
    const room = (await alice.get('/api/rooms')).json.rooms[0].id;
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push(`kept ${i}`);
      await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `kept ${i}` });
    }
    await alice.post('/api/admin/checkpoints');
    mkdirSync(config.uploadDir, { recursive: true });
    writeFileSync(join(config.uploadDir, 'sample.sealed'), 'sealed bytes');

    const out = join(root, 'backup');
    if (url) {
      // Online: Postgres is dumped from one snapshot while the server keeps writing.
      const writes = Promise.all([1, 2, 3].map((i) => alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `racing ${i}` })));
      await createBackup(config, secrets, out);
      await writes;
      await server.close();
    } else {
      await server.close(); // the embedded database is copied while its lock is held: the server must be stopped
      await createBackup(config, secrets, out);
    }
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'keys', 'EVENT_KEY')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).contents).toEqual(
      expect.arrayContaining(['uploads', 'keys/SECRET_KEY', 'keys/EVENT_KEY', url ? 'database.dump' : 'database']),
    );

    const empty = url ? await engine.open() : undefined;
    const restoredUrl = (empty as { url?: string } | undefined)?.url;
    const restoredConfig = parseConfig({ ...env, INSTANCE_DIR: join(root, 'restored'), ...(restoredUrl ? { DATABASE_URL: restoredUrl } : {}) });
    await restoreBackup(restoredConfig, out);
    await expect(restoreBackup(restoredConfig, out)).rejects.toThrow(/not empty|already exists/);

    const { report, bodies } = await openRestored(restoredConfig);
    expect(report).toMatchObject({ ok: true, checkpoint: { position: expect.any(Number) } });
    expect(report.checked).toBeGreaterThanOrEqual(report.checkpoint!.position);
    expect(bodies.slice(0, 5)).toEqual(sent);
    expect(readFileSync(join(restoredConfig.uploadDir, 'sample.sealed'), 'utf8')).toBe('sealed bytes');
    expect(readFileSync(join(restoredConfig.instanceDir, 'EVENT_KEY'), 'utf8').trim()).toBe(secrets.eventKey.toString('base64url'));
    await empty?.close();
    if (url) await source.close();
    // An embedded database on disk is created, copied and opened again: slow on a busy machine.
  }, 240_000);
});
