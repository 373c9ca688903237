import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import pg from 'pg';
import { openDatabase, type DatabaseHandle, type Engine } from '../src/db/database';

/** A storage engine the integration tests run against. */
export interface TestEngine {
  readonly name: Engine;
  /** A fresh, empty database on this engine; closing it drops it. */
  open(): Promise<DatabaseHandle>;
}

const testDatabaseUrl = process.env.TEST_DATABASE_URL;

if (process.env.REQUIRE_POSTGRES === '1' && !testDatabaseUrl) {
  throw new Error('REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the real-Postgres tests would be skipped.');
}

const pgliteEngine: TestEngine = { name: 'pglite', open: () => openDatabase({ engine: 'pglite' }) };

/**
 * Postgres over TCP: each `open` creates its own database on the server named
 * by TEST_DATABASE_URL, so tests never share an (append-only) event log.
 */
const postgresEngine: TestEngine = {
  name: 'postgres',
  async open() {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    const name = `chatterlink_test_${randomBytes(6).toString('hex')}`;
    try {
      await admin.query(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(testDatabaseUrl!);
    url.pathname = `/${name}`;
    const handle = await openDatabase({ engine: 'postgres', url: url.toString() });
    return {
      ...handle,
      url: url.toString(),
      async close() {
        await handle.close();
        const dropper = new pg.Client({ connectionString: testDatabaseUrl });
        await dropper.connect();
        try {
          await dropper.query(`drop database if exists ${name} with (force)`);
        } finally {
          await dropper.end();
        }
      },
    };
  },
};

/** The engines to test: PGlite always; Postgres when TEST_DATABASE_URL is set. */
export const engines: readonly TestEngine[] = testDatabaseUrl ? [pgliteEngine, postgresEngine] : [pgliteEngine];

/**
 * Declares a suite once per engine, titled `[pglite]` / `[postgres]`. Without
 * TEST_DATABASE_URL the Postgres suite is declared skipped, so the report
 * shows what did not run.
 */
export function describeEachEngine(title: string, body: (engine: TestEngine) => void): void {
  for (const engine of engines) describe(`${title} [${engine.name}]`, () => body(engine));
  if (!testDatabaseUrl) describe.skip(`${title} [postgres]`, () => body(postgresEngine));
}
