import { sql, type Kysely } from 'kysely';
import type { Database, ProjectionRow, ProjectionTable } from '../db/types';
import type { RecordedChatEvent } from '../events';
import type { TableWrites } from '../eventstore/projected-rows';
import { anyOf, toJson, type ShapedSql } from '../eventstore/shaped-sql';
import type { Projector } from '../eventstore/store';
import { foldInto, type Projection } from './projection';

/** Table name → names of its timestamp columns (JSON carries them as strings). */
type TimestampColumns = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Applies appended events to `projections` (each owning one table) inside the
 * append transaction, as parts of the append's own two statements: the rows a
 * batch may touch are read by its read statement, folded in memory with the
 * same `evolve` functions as replay, and what changed is written back by its
 * write statement (one upsert and one delete per table at most). Readers
 * therefore see an event's effects as soon as its append is acknowledged.
 */
export function liveProjector(projections: readonly Projection[]): Projector {
  let timestamps: Promise<TimestampColumns> | undefined;
  let known: TimestampColumns | undefined;
  return {
    async prepare(db) {
      if (known) return;
      timestamps ??= timestampColumns(db, projections.map((p) => p.table)).catch((error: unknown) => {
        timestamps = undefined;
        throw error;
      });
      known = await timestamps;
    },

    touchedIds(events) {
      const ids = new Map<string, { ids: string[]; fresh: Set<string> }>();
      for (const projection of projections) {
        const keys = [...new Set(events.flatMap((e) => projection.keys(e)))];
        if (keys.length > 0) ids.set(projection.table, { ids: keys, fresh: new Set(events.flatMap((e) => projection.fresh?.(e) ?? [])) });
      }
      return ids;
    },

    touchedRows(ids) {
      const tables = [...ids.keys()];
      return {
        key: `touched ${tables.join(',')}`,
        values: [...ids.values()].map(({ ids: keys }) => toJson(keys)),
        build(slots) {
          const parts = tables.map(
            (table, i) => sql`${sql.lit(table)}::text, (select coalesce(json_agg(t), '[]'::json) from ${sql.table(table)} t
                where t.id = ${anyOf(slots[i]!)})`,
          );
          return parts.length === 0 ? sql`'{}'::json` : sql`json_build_object(${sql.join(parts)})`;
        },
      };
    },

    writes(touched, events) {
      if (!known) throw new Error('liveProjector.prepare must run before writes');
      const byTable = (touched ?? {}) as Record<string, Record<string, unknown>[]>;
      const statements: ShapedSql[] = [];
      const changes = new Map<string, TableWrites>();
      for (const projection of projections) {
        const written = writesOf(projection, byTable[projection.table] ?? [], known.get(projection.table), events);
        if (!written) continue;
        statements.push(...written.statements);
        changes.set(projection.table, written.changes);
      }
      return { statements, changes };
    },
  };
}

function writesOf<T extends ProjectionTable>(
  projection: Projection<T>,
  loaded: readonly Record<string, unknown>[],
  timestampColumns: ReadonlySet<string> | undefined,
  events: readonly RecordedChatEvent[],
): { statements: ShapedSql[]; changes: TableWrites } | undefined {
  const state = new Map<string, ProjectionRow<T>>();
  // Each timestamp read as text, by the Date it became: written back as that text.
  const texts = new Map<Date, string>();
  for (const row of loaded) {
    if (timestampColumns) {
      for (const column of timestampColumns) {
        const text = row[column];
        if (typeof text !== 'string') continue;
        const date = new Date(text);
        texts.set(date, text);
        row[column] = date;
      }
    }
    state.set(row.id as string, row as ProjectionRow<T>);
  }
  const changed = new Map<string, boolean>();
  foldInto(projection, state, events, changed);
  if (changed.size === 0) return undefined;

  const gone = [...changed.keys()].filter((id) => !state.has(id));
  const rows = [...changed.keys()].flatMap((id) => (state.has(id) ? [withTimestampsAsText(state.get(id)!, timestampColumns, texts)] : []));
  const statements: ShapedSql[] = [];
  if (gone.length > 0) statements.push(deleted(projection.table, gone));
  if (rows.length > 0) statements.push(upserted(projection.table, rows));
  return { statements, changes: { rows, gone } };
}

/** Deletes the rows of `table` with the ids `gone`. */
function deleted(table: string, gone: readonly string[]): ShapedSql {
  return {
    key: `delete ${table}`,
    values: [toJson(gone)],
    build: ([ids]) => sql`delete from ${sql.table(table)} where id = ${anyOf(ids!)}`,
  };
}

/** Inserts `rows` into `table`, or updates the columns they have where their id exists. */
function upserted(table: string, rows: readonly Record<string, unknown>[]): ShapedSql {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return {
    key: `upsert ${table}(${columns.join(',')})`,
    values: [toJson(rows)],
    build: ([json]) => {
      const list = sql.join(columns.map((c) => sql.id(c)));
      const updates = columns.filter((c) => c !== 'id').map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`);
      return sql`insert into ${sql.table(table)} (${list}) select ${list} from json_populate_recordset(null::${sql.table(table)}, ${json!})
        on conflict (id) do ${updates.length > 0 ? sql`update set ${sql.join(updates)}` : sql`nothing`}`;
    },
  };
}

/**
 * A copy of `row` whose timestamps are text: the text they were read as when
 * unchanged, else their ISO form. Left to JSON.stringify, each Date cost
 * 2.5 µs (its toJSON), several per appended message.
 */
function withTimestampsAsText(row: object, timestampColumns: ReadonlySet<string> | undefined, texts: ReadonlyMap<Date, string>): Record<string, unknown> {
  if (!timestampColumns) return row as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...row };
  for (const column of timestampColumns) {
    const value = copy[column];
    if (value instanceof Date) copy[column] = texts.get(value) ?? value.toISOString();
  }
  return copy;
}

/** Reads which columns of the projection tables are timestamps, to turn their JSON strings back into Dates. */
async function timestampColumns(db: Kysely<Database>, tables: readonly string[]): Promise<TimestampColumns> {
  const { rows } = await sql<{ table: string; column: string }>`
    select c.relname as table, a.attname as column
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where c.oid in (select to_regclass(value) from json_array_elements_text(${JSON.stringify(tables)}::json))
      and a.attnum > 0 and not a.attisdropped
      and a.atttypid in ('timestamptz'::regtype, 'timestamp'::regtype)`.execute(db);
  const result = new Map<string, Set<string>>();
  for (const { table, column } of rows) result.set(table, (result.get(table) ?? new Set()).add(column));
  return result;
}
