import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { copyOutToBlob, isCopyOut } from './copy-out';
import type { PGliteThread } from './pglite-thread';

/** Opens the embedded database again after its thread stopped; `reason` is why it stopped. */
export type ReopenPGlite = (reason: Error) => Promise<PGliteThread>;

/**
 * A Kysely dialect over embedded PGlite in its thread. PGlite is a single Postgres session, so
 * the driver hands out that one connection to one holder at a time: a
 * transaction keeps it from `begin` to `commit`, and other queries queue.
 *
 * If the thread stops, the next holder gets a connection to the database
 * opened again by `reopen` (as Postgres restarts its backends after one
 * crashed: what had not committed is gone, what had is recovered). A
 * transaction begun on the stopped thread keeps its connection to it, so
 * the rest of it fails rather than run, uncommitted and unlocked, on the new
 * one. Without `reopen` (an in-memory database has nothing to reopen) every
 * query after fails.
 */
export class PGliteDialect implements Dialect {
  constructor(
    private readonly pglite: PGliteThread,
    private readonly reopen?: ReopenPGlite,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.reopen);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

class PGliteDriver implements Driver {
  #connection: PGliteConnection;
  #tail: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(
    pglite: PGliteThread,
    private readonly reopen: ReopenPGlite | undefined,
  ) {
    this.#connection = new PGliteConnection(pglite);
  }

  /** Nothing to wait for: `PGliteThread.open` answers once the database is open. */
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise((resolve) => (release = resolve));
    await previous;
    const failure = this.#connection.pglite.failure;
    if (failure && this.reopen) {
      try {
        this.#connection = new PGliteConnection(await this.reopen(failure));
      } catch (error) {
        release();
        throw error;
      }
    }
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A stopped thread's transaction went with it; failing here would hide why the transaction failed.
    if ((connection as PGliteConnection).pglite.failure) return;
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    const { pglite } = this.#connection;
    if (!pglite.closed) await pglite.close();
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(readonly pglite: PGliteThread) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (isCopyOut(compiled.sql)) return { rows: [{ copy: await this.pglite.copyOut(copyOutToBlob(compiled.sql)) } as R] };
    const result = await this.pglite.query<R>(compiled.sql, compiled.parameters);
    const affected = result.affectedRows;
    return {
      rows: result.rows,
      ...(affected !== undefined && compiled.query.kind !== 'SelectQueryNode' ? { numAffectedRows: BigInt(affected) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite does not stream; page through results instead.');
  }
}
