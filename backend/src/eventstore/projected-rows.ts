import type { ProjectionTable } from '../db/types';

/** The projection rows a batch's read loaded, as JSON values (timestamps are strings). */
export interface ProjectedRows {
  /** The row of `table` with this id; `undefined` if it does not exist or was not loaded. */
  row(table: ProjectionTable, id: string): Readonly<Record<string, unknown>> | undefined;
}

/**
 * The projection rows a batch's events touch, by table name: their ids, and
 * those of them the events make new (ids the deciders minted, such as a new
 * message's), which an append may take for absent without reading them.
 */
export type TouchedIds = ReadonlyMap<string, { readonly ids: readonly string[]; readonly fresh: ReadonlySet<string> }>;

/** What a batch wrote to one projection table: its rows as now (JSON values, timestamps as strings), and the ids it removed. */
export interface TableWrites {
  readonly rows: readonly Readonly<Record<string, unknown>>[];
  readonly gone: readonly string[];
}

/** What a batch wrote to the projections, by table name. */
export type RowChanges = ReadonlyMap<string, TableWrites>;

/** Looks rows up in what a projector's `touchedRows` read: table name → rows, each with its `id`. */
export function projectedRows(touched: unknown): ProjectedRows {
  const byTable = (touched ?? {}) as Partial<Record<string, readonly Record<string, unknown>[]>>;
  const indexes = new Map<string, Map<unknown, Readonly<Record<string, unknown>>>>();
  return {
    row(table, id) {
      let index = indexes.get(table);
      if (!index) indexes.set(table, (index = new Map((byTable[table] ?? []).map((row) => [row.id, row]))));
      return index.get(id);
    },
  };
}

/**
 * What a `touchedRows` read would have answered had `changes` been written
 * before it: each table's rows with those the changes removed left out and
 * those they wrote put in (as copies: a projector may turn a loaded row's
 * timestamps into Dates in place). Rows the read did not ask for may be
 * added; a projector only looks up the ids its events name.
 */
export function withChanges(touched: unknown, changes: RowChanges): unknown {
  const byTable: Record<string, readonly Record<string, unknown>[]> = { ...((touched ?? {}) as Record<string, readonly Record<string, unknown>[]>) };
  for (const [table, { rows, gone }] of changes) {
    const replaced = new Set<unknown>([...gone, ...rows.map((row) => row.id)]);
    byTable[table] = [...(byTable[table] ?? []).filter((row) => !replaced.has(row.id)), ...rows.map((row) => ({ ...row }))];
  }
  return byTable;
}
