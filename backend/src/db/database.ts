import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import type { ResourceLimits } from 'node:worker_threads';
import { copyOutOn, isCopyOut, type CopyTarget } from './copy-out';
import { lockDataDir } from './data-dir-lock';
import { PGliteDialect } from './pglite-dialect';
import { PGliteThread } from './pglite-thread';
import type { Database } from './types';

const INT8_OID = 20;

/** Which Postgres the server talks to: the embedded one or a server over TCP. */
export type Engine = 'pglite' | 'postgres';

/** An open database: one Kysely code path whatever the engine. */
export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { readonly engine: 'postgres'; readonly url: string; readonly maxConnections?: number }
  | {
      readonly engine: 'pglite';
      /** A directory, or `undefined` for an in-memory database. */
      readonly dataDir?: string;
      /** Heap limits of the database's thread (Node's defaults without). */
      readonly resourceLimits?: ResourceLimits;
      /** Told when the database's thread stopped and the database in `dataDir` was opened again. */
      readonly onReopen?: (reason: Error) => void;
    };

/** The engine of every Kysely instance `openDatabase` opened. */
const engines = new WeakMap<Kysely<Database>, Engine>();

/**
 * The engine behind `db` if `openDatabase` opened it, else `undefined`; for
 * code that must choose a transport by engine but is handed only the Kysely.
 */
export function engineOf(db: Kysely<Database>): Engine | undefined {
  return engines.get(db);
}

/** How long acquiring a Postgres connection may take before the request fails as unavailable. */
const CONNECT_TIMEOUT_MS = 2000;

/**
 * Opens the database. Positions are `bigint` in SQL but read as JS numbers
 * (exact up to 2^53) and `bytea` as `Buffer` on both engines.
 */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.engine === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.maxConnections ?? 10,
      // Without a bound, a connect to a server that is shutting down or gone can
      // wait forever, and a send would hang instead of being refused as
      // `unavailable` (retryable) while the database is away.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its server (restart, network) must not crash the process.
    pool.on('error', () => {});
    // So must a checked-out client (e.g. mid-transaction): pg emits 'error' on it, which
    // would be unhandled and kill the process; the query in flight fails with it instead.
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: answeringLastStatement(pool) }) });
    engines.set(db, 'postgres');
    return { db, engine: 'postgres', close: () => db.destroy() };
  }
  const unlock = target.dataDir ? lockDataDir(target.dataDir) : () => {};
  try {
    const { dataDir, resourceLimits, onReopen } = target;
    const open = () => PGliteThread.open(dataDir, resourceLimits);
    const reopen = async (reason: Error) => {
      const pglite = await open();
      onReopen?.(reason);
      return pglite;
    };
    const db = new Kysely<Database>({ dialect: new PGliteDialect(await open(), dataDir ? reopen : undefined) });
    engines.set(db, 'pglite');
    return {
      db,
      engine: 'pglite',
      close: async () => {
        await db.destroy();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * node-pg answers a simple query of several statements with one result per
 * statement, which Kysely reads as no rows at all. Through this pool such a
 * query answers with its last statement's result, so a caller can send a
 * transaction's first statements and a read in one round trip. A
 * `copyOut` statement answers with the data it copied.
 *
 * Text queries go through node-pg's callback form, not its promise form (a
 * promise and a `.catch` of its own per query, then our `.then`): under a
 * crowd of handshakes, about 90 % of what each query allocated (the query,
 * its rows, the answer's text) and much of what awaited it outlived a
 * young-generation collection and died in old space, about 270 B per
 * connection of the 810 promoted. What held them through the promise form
 * was not found.
 */
function answeringLastStatement(pool: pg.Pool): PostgresPool {
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: unknown, parameters?: readonly unknown[]) => {
      if (typeof text !== 'string') return client.query(text as pg.Submittable);
      if (isCopyOut(text)) return copyOutOn(client, text, parameters![0] as CopyTarget);
      return new Promise<PostgresQueryResult<unknown>>((resolve, reject) => {
        client.query(text, parameters as unknown[], (error: Error | null, result: pg.QueryResult | pg.QueryResult[]) => {
          if (error) reject(error);
          else resolve((Array.isArray(result) ? result.at(-1) : result) as PostgresQueryResult<unknown>);
        });
      });
    }) as PostgresPoolClient['query'],
    release: () => client.release(),
  });
  return {
    async connect() {
      const client = await pool.connect();
      let facade = wrapped.get(client);
      if (!facade) wrapped.set(client, (facade = wrap(client)));
      return facade;
    },
    end: () => pool.end(),
  };
}
