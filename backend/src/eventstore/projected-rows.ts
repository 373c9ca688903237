import type { ProjectionTable } from '../db/types';

/** The projection rows a batch's read loaded, as JSON values (timestamps are strings). */
export interface ProjectedRows {
  /** The row of `table` with this id; `undefined` if it does not exist or was not loaded. */
  row(table: ProjectionTable, id: string): Readonly<Record<string, unknown>> | undefined;
}

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
