import type { Kysely, Transaction } from 'kysely';
import type { Database, ProjectionRow, ProjectionTable } from '../db/types';
import type { RecordedChatEvent } from '../events';
import { foldInto, type Projection } from './projection';

/**
 * Applies appended events to every projection inside the append transaction:
 * per table, one read of the touched rows, an in-memory fold, one upsert and
 * one delete. Readers therefore see an event's effects as soon as it commits.
 */
export function liveProjector(projections: readonly Projection[]) {
  return async (tx: Transaction<Database>, events: readonly RecordedChatEvent[]): Promise<void> => {
    for (const projection of projections) await applyOne(tx, projection, events);
  };
}

async function applyOne<T extends ProjectionTable>(
  tx: Transaction<Database>,
  projection: Projection<T>,
  events: readonly RecordedChatEvent[],
): Promise<void> {
  const ids = [...new Set(events.flatMap((e) => projection.keys(e)))];
  if (ids.length === 0) return;
  // The projection tables share a shape (text `id` plus columns) that Kysely's
  // per-table types cannot express generically; this is the one untyped spot.
  const db = tx as unknown as Kysely<any>;
  const table: string = projection.table;
  const existing = (await db.selectFrom(table).selectAll().where('id', 'in', ids).execute()) as ProjectionRow<T>[];
  const state = new Map(existing.map((row) => [(row as { id: string }).id, row]));
  const changed = new Set<string>();
  foldInto(projection, state, events, changed);

  const gone = [...changed].filter((id) => !state.has(id));
  const rows = [...changed].flatMap((id) => (state.has(id) ? [state.get(id)!] : []));
  if (gone.length > 0) await db.deleteFrom(table).where('id', 'in', gone).execute();
  if (rows.length > 0) {
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'id');
    await db
      .insertInto(table)
      .values(rows as never)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet(Object.fromEntries(columns.map((c) => [c, (eb: any) => eb.ref(`excluded.${c}`)])) as never),
      )
      .execute();
  }
}
