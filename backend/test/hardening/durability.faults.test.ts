import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from '../engines';
import type { DatabaseHandle } from '../../src/db/database';
import { NodeProcess, nodeEnv } from './node-process';
import { tally } from './tally';
import { ThrowawayPostgres } from './throwaway-postgres';

const postgres = engines.find((e) => e.name === 'postgres');

/** Start-up must fail on `databaseUrl` naming `setting`, and succeed with a warning once the unsafe flag is set. */
async function expectRefusedUnlessFlagged(databaseUrl: string, setting: string): Promise<void> {
  const env = nodeEnv(databaseUrl);
  const refused = await NodeProcess.start(env).then(
    () => undefined,
    (error: Error) => error.message,
  );
  expect(refused).toMatch(new RegExp(`cannot start: the database runs with .*${setting}`));
  expect(refused).toMatch(/ALLOW_UNSAFE_DURABILITY=1/);
  tally({ faultsInjected: 1, operationsChecked: 1 });

  const node = await NodeProcess.start({ ...env, ALLOW_UNSAFE_DURABILITY: '1' });
  try {
    expect(node.output).toMatch(new RegExp(`UNSAFE: the database runs with .*${setting}`));
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    tally({ operationsChecked: 1 });
  } finally {
    await node.kill();
  }
}

describe.runIf(postgres)('start-up refuses a database that may lose acknowledged commits', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('refuses synchronous_commit=off unless ALLOW_UNSAFE_DURABILITY is set', async () => {
    const database: DatabaseHandle & { url?: string } = await postgres!.open();
    cleanup.push(() => database.close());
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`alter database "${new URL(database.url!).pathname.slice(1)}" set synchronous_commit = off`);
    await admin.end();
    await expectRefusedUnlessFlagged(database.url!, 'synchronous_commit=off');
  });

  it('refuses fsync=off unless ALLOW_UNSAFE_DURABILITY is set', async () => {
    const cluster = await ThrowawayPostgres.create({ fsync: 'off' });
    cleanup.push(() => cluster.destroy());
    await expectRefusedUnlessFlagged(cluster.url(), 'fsync=off');
  });
});
