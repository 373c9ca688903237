import { sql, type Kysely } from 'kysely';
import type { Database, ProjectionRow, ProjectionTable } from '../db/types';
import type { EventStore } from '../eventstore/store';
import { foldInto, type Projection } from './projection';
import { rewriteTables } from './rewrite';

const PAGE = 10_000;

/** A table's fingerprint: row count and a digest of its rows, whatever their physical order. */
export interface TableChecksum {
  readonly table: ProjectionTable;
  readonly rows: number;
  readonly digest: string;
}

export interface ReplayReport {
  readonly events: number;
  readonly tables: readonly { table: ProjectionTable; before: TableChecksum; after: TableChecksum; equal: boolean }[];
  /** True when every rebuilt table equals the table it replaced. */
  readonly identical: boolean;
}

export type ReplayProgress = (done: number, total: number) => void;

/**
 * Rebuilds every projection from the log in one transaction that holds the
 * append lock (writers wait; readers wait from the rewrite to the commit):
 * fold all events in memory, replace the tables, and compare checksums
 * before and after. The rebuilt state is kept even if it differs, because
 * the log is the truth; the report says which tables had drifted.
 */
export async function replayProjections(
  db: Kysely<Database>,
  store: EventStore,
  projections: readonly Projection[],
  onProgress: ReplayProgress = () => {},
): Promise<ReplayReport> {
  return db.transaction().execute(async (tx) => {
    await store.lockAppends(tx);
    const before = await checksums(tx, projections);
    // Appends are locked out, so every committed row is final: the count is exact.
    const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(tx)).rows[0]!.n);
    const states = projections.map(() => new Map<string, ProjectionRow<ProjectionTable>>());

    let done = 0;
    onProgress(0, total);
    for await (const events of store.replayPages(tx, PAGE)) {
      projections.forEach((projection, i) => foldInto(projection, states[i]!, events));
      done += events.length;
      onProgress(done, total);
    }

    await rewriteTables(
      tx,
      projections.map((p, i) => ({ table: p.table, rows: [...states[i]!.values()] })),
    );

    const afterSums = await checksums(tx, projections);
    const tables = projections.map((p, i) => ({
      table: p.table,
      before: before[i]!,
      after: afterSums[i]!,
      equal: before[i]!.digest === afterSums[i]!.digest && before[i]!.rows === afterSums[i]!.rows,
    }));
    return { events: done, tables, identical: tables.every((t) => t.equal) };
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
