import { sql, type Kysely } from 'kysely';
import type { Database, ProjectionRow, ProjectionTable } from '../db/types';
import type { EventStore } from '../eventstore/store';
import { foldInto, type Projection } from './projection';
import { TableRewrite } from './rewrite';
import { SettledRows } from './settled-rows';

const PAGE = 10_000;
/**
 * Events folded between turns of the event loop. node-pg sends a statement
 * only once this thread has seen the one before it finish, so a page folded
 * in one go would leave the database idle, with the next page's read and the
 * previous load still queued here.
 */
const FOLD_SLICE = 1_000;

/**
 * Bytes one statement allocates and frees as a replay begins, so that the
 * session's Postgres backend keeps the memory its pages and loads reuse.
 * glibc's malloc returns the top of its heap to the kernel once more than
 * twice its mmap threshold lies free there, and that threshold follows the
 * largest block freed so far (from 128 KiB, up to 32 MiB). A replay's page
 * and its load use about 30 MB between them, which the thresholds their own
 * blocks set gave back and faulted in again for every page: 7,600 page
 * faults and 2–3 times the backend's CPU per page of 10,000 events (150
 * against 40–70 ms). Freeing a block of 24 MiB first moves the point of
 * return to 48 MiB for the session. With another allocator (musl, PGlite's
 * WebAssembly heap) it is one passing allocation.
 */
const BACKEND_HEAP_BYTES = 24 * 1024 * 1024;

/** See `BACKEND_HEAP_BYTES`. */
async function keepBackendHeap(tx: Kysely<Database>): Promise<void> {
  await sql`select length(repeat('x', ${sql.lit(BACKEND_HEAP_BYTES)}))`.execute(tx);
}

/** A table's fingerprint: row count and a digest of its rows, whatever their physical order. */
export interface TableChecksum {
  readonly table: ProjectionTable;
  readonly rows: number;
  readonly digest: string;
}

export interface ReplayReport {
  readonly events: number;
  /** Events that reached a row already written out (see `SettledRows`) and were folded at the end. */
  readonly lateEvents: number;
  readonly tables: readonly { table: ProjectionTable; before: TableChecksum; after: TableChecksum; equal: boolean }[];
  /** True when every rebuilt table equals the table it replaced. */
  readonly identical: boolean;
}

export type ReplayProgress = (done: number, total: number) => void;

/**
 * Rebuilds every projection from the log in one transaction that holds the
 * append lock (writers wait throughout; readers only from the swap of the
 * old tables for the rebuilt ones to the commit): fold all events in memory,
 * loading new tables as it goes, and compare checksums before and after. The
 * rebuilt state is kept even if it differs, because the log is the truth;
 * the report says which tables had drifted. `pageSize` is for tests.
 */
export async function replayProjections(
  db: Kysely<Database>,
  store: EventStore,
  projections: readonly Projection[],
  onProgress: ReplayProgress = () => {},
  pageSize = PAGE,
): Promise<ReplayReport> {
  return db.transaction().execute(async (tx) => {
    await store.lockAppends(tx);
    await keepBackendHeap(tx);
    // Appenders that decided on projection rows they knew from before must decide again (see append_expect_state).
    await sql`update projection_generation set generation = generation + 1 where singleton = 1`.execute(tx);
    const before = await checksums(tx, projections);
    // Appends are locked out, so every committed row is final: the count is exact.
    const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(tx)).rows[0]!.n);
    const states = projections.map(() => new Map<string, ProjectionRow<ProjectionTable>>());
    const settled = projections.map((p) => (p.rowsSettle ? new SettledRows() : undefined));
    // New tables are loaded page by page, while the next pages are folded; rows changed after their load are
    // rewritten at the end, before the new tables replace the old.
    const rewrite = await TableRewrite.begin(tx, projections.map((p) => p.table));

    let done = 0;
    onProgress(0, total);
    try {
      for await (const events of store.replayPages(tx, pageSize)) {
        const changes = projections.map(() => new Map<string, boolean>());
        for (let at = 0; at < events.length; at += FOLD_SLICE) {
          if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          const slice = events.slice(at, at + FOLD_SLICE);
          projections.forEach((projection, i) => foldInto(projection, states[i]!, slice, changes[i], settled[i]));
        }
        const inserted = await rewrite.load(projections.map((projection, i) => ({ table: projection.table, changed: changes[i]!, rows: states[i]! })));
        settled.forEach((rows, i) => rows?.afterLoad(states[i]!, changes[i]!, inserted[i]!));
        done += events.length;
        onProgress(done, total);
      }
    } catch (error) {
      // A failed load aborts the transaction, and the reads after it fail for that reason: report the load's own error.
      await rewrite.settled();
      throw error;
    }
    let lateEvents = 0;
    for (const [i, projection] of projections.entries()) {
      const late = settled[i]?.late;
      if (!late?.size) continue;
      const loaded = await rewrite.reopen(projection.table, [...late.keys()]);
      for (const [id, events] of late) {
        let row = loaded.get(id) as ProjectionRow<ProjectionTable> | undefined;
        for (const event of events) row = projection.evolve(row, event, id);
        if (row) states[i]!.set(id, row);
        lateEvents += events.length;
      }
    }
    await rewrite.finish(projections.map((p, i) => ({ table: p.table, rows: states[i]! })));

    const afterSums = await checksums(tx, projections);
    const tables = projections.map((p, i) => ({
      table: p.table,
      before: before[i]!,
      after: afterSums[i]!,
      equal: before[i]!.digest === afterSums[i]!.digest && before[i]!.rows === afterSums[i]!.rows,
    }));
    return { events: done, lateEvents, tables, identical: tables.every((t) => t.equal) };
  });
}

/**
 * Checksums of the projection tables as they are now. Each row is hashed
 * twice (two seeds, 128 bits) by its columns' own hash functions, without
 * rendering it as text, and the hashes are summed: the digest does not
 * depend on row order, so no sort and no table-sized string either.
 */
export async function checksums(db: Kysely<Database>, projections: readonly Projection[]): Promise<TableChecksum[]> {
  const result: TableChecksum[] = [];
  for (const { table } of projections) {
    const { rows } = await sql<{ rows: number; digest: string }>`
      select count(*)::int as rows,
        md5(coalesce(sum(hash_record_extended(t, 0)), 0) || ':' || coalesce(sum(hash_record_extended(t, 1)), 0)) as digest
      from ${sql.table(table)} t`.execute(db);
    result.push({ table, rows: rows[0]!.rows, digest: rows[0]!.digest });
  }
  return result;
}
