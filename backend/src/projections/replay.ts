import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ProjectionRow, ProjectionTable } from '../db/types';
import type { EventStore } from '../eventstore/store';
import { foldInto, type Projection } from './projection';

const PAGE = 5000;
const INSERT_CHUNK = 1000;

/** A table's fingerprint: row count and an MD5 over every row in id order. */
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
 * append lock (writers wait; readers keep the old state until commit): fold
 * all events in memory, replace the tables, and compare checksums before and
 * after. The rebuilt state is kept even if it differs, because the log is
 * the truth; the report says which tables had drifted.
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
    const total = Number((await sql<{ n: string }>`select count(*) as n from events`.execute(tx)).rows[0]!.n);
    const states = projections.map(() => new Map<string, ProjectionRow<ProjectionTable>>());

    let after = 0;
    let done = 0;
    onProgress(0, total);
    for (;;) {
      // Appends are locked out, so every committed row is final: read them all, not only those below
      // the cluster-wide xmin (another database's long transaction would hide the newest events).
      const rows = await store.readRows({ after, limit: PAGE, allCommitted: true }, tx);
      if (rows.length === 0) break;
      const events = await Promise.all(rows.map((row) => store.decode(row, tx)));
      projections.forEach((projection, i) => foldInto(projection, states[i]!, events));
      after = rows.at(-1)!.position;
      done += rows.length;
      onProgress(done, total);
    }

    await sql`truncate ${sql.join(projections.map((p) => sql.table(p.table)))}`.execute(tx);
    for (const [i, projection] of projections.entries()) await insertAll(tx, projection.table, [...states[i]!.values()]);

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

/** Checksums of the projection tables as they are now. */
export async function checksums(db: Kysely<Database>, projections: readonly Projection[]): Promise<TableChecksum[]> {
  const result: TableChecksum[] = [];
  for (const { table } of projections) {
    const { rows } = await sql<{ rows: number; digest: string }>`
      select count(*)::int as rows, md5(coalesce(string_agg(t::text, '|' order by t.id), '')) as digest
      from ${sql.table(table)} t`.execute(db);
    result.push({ table, rows: rows[0]!.rows, digest: rows[0]!.digest });
  }
  return result;
}

async function insertAll(tx: Transaction<Database>, table: ProjectionTable, rows: readonly object[]): Promise<void> {
  const untyped = tx as unknown as Kysely<any>;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await untyped.insertInto(table).values(rows.slice(i, i + INSERT_CHUNK)).execute();
  }
}
