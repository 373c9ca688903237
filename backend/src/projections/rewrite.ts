import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database, ProjectionTable } from '../db/types';

/** Rows per INSERT: one array parameter per column, a few megabytes in all. */
const CHUNK = 20_000;
/** From this many rows a table's indexes are built after the load rather than kept up during it. */
const REBUILD_INDEXES_FROM = 20_000;

/** A table's new contents. */
export interface TableContents {
  readonly table: ProjectionTable;
  readonly rows: readonly object[];
}

/** An index, or a constraint backed by one, as the catalog would recreate it. */
interface IndexDefinition {
  readonly name: string;
  readonly definition: string;
  readonly constraint: boolean;
}

/**
 * Replaces the contents of whole tables inside `tx`. Maintaining a btree
 * row by row (random keys) costs several times more than building it once
 * over the loaded table, so a big table's indexes and unique constraints
 * are dropped before its load and recreated after it, exactly as the
 * catalog defined them (recreating a constraint checks it again); a small
 * table keeps them (the DDL would cost more than it saves). DDL is
 * transactional: a failure leaves the old tables and indexes in place.
 */
export async function rewriteTables(tx: Transaction<Database>, tables: readonly TableContents[]): Promise<void> {
  const big = tables.filter((t) => t.rows.length >= REBUILD_INDEXES_FROM).map((t) => t.table);
  const indexes = big.length > 0 ? await indexesOf(tx, big) : [];
  await sql`truncate ${sql.join(tables.map((t) => sql.table(t.table)))}`.execute(tx);
  for (const index of indexes) {
    await (index.constraint ? sql`alter table ${sql.table(index.table)} drop constraint ${sql.id(index.name)}` : sql`drop index ${sql.id(index.name)}`).execute(tx);
  }
  for (const { table, rows } of tables) await insertAll(tx, table, rows);
  for (const index of indexes) {
    await (index.constraint
      ? sql`alter table ${sql.table(index.table)} add constraint ${sql.id(index.name)} ${sql.raw(index.definition)}`
      : sql.raw(index.definition)
    ).execute(tx);
  }
}

/** Every index of `tables`: those that back a constraint as the constraint's definition. */
async function indexesOf(db: Kysely<Database>, tables: readonly string[]): Promise<(IndexDefinition & { table: ProjectionTable })[]> {
  const { rows } = await sql<IndexDefinition & { table: ProjectionTable }>`
    select t.relname as "table", i.relname as name, k.oid is not null as "constraint",
      coalesce(pg_get_constraintdef(k.oid), pg_get_indexdef(x.indexrelid)) as definition
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    left join pg_constraint k on k.conindid = x.indexrelid and k.conrelid = x.indrelid
    where t.oid = any(array(select json_array_elements_text(${JSON.stringify(tables)}::json)::regclass))
    order by t.relname, i.relname`.execute(db);
  return rows;
}

/** A column as the load names and types it. */
interface Column {
  readonly name: string;
  /** The column's type as SQL spells it (`format_type`), e.g. `timestamp with time zone`. */
  readonly type: string;
}

/** The columns of `table` in their declared order. */
async function columnsOf(tx: Transaction<Database>, table: ProjectionTable): Promise<Column[]> {
  const { rows } = await sql<Column>`
    select attname as name, format_type(atttypid, atttypmod) as type
    from pg_attribute
    where attrelid = ${table}::regclass and attnum > 0 and not attisdropped
    order by attnum`.execute(tx);
  return rows;
}

/**
 * Inserts rows (objects keyed by column name) a chunk per statement, each
 * chunk one typed array per column, zipped back into rows by `unnest`.
 * Postgres spends about 60 % of the CPU it spent expanding one JSON document
 * into the table's row type (`json_populate_recordset`); PGlite about the
 * same. Unlike COPY it goes through Kysely's transaction, on both engines.
 * The arrays are written out here rather than by the driver so that the next
 * chunk is serialised while the database inserts this one.
 */
async function insertAll(tx: Transaction<Database>, table: ProjectionTable, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = await columnsOf(tx, table);
  const names = sql.join(columns.map((c) => sql.id(c.name)));
  const elements = sql.join(columns.map((_, i) => sql.id(`c${i}`)));
  let pending: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK) as readonly Record<string, unknown>[];
    const loads = columns.map((c, j) => columnLoad(c, sql.id(`c${j}`), chunk.map((row) => row[c.name])));
    await pending;
    pending = sql`insert into ${sql.table(table)} (${names})
      select ${sql.join(loads.map((l) => l.value))} from unnest(${sql.join(loads.map((l) => l.array))}) as u(${elements})`.execute(tx);
  }
  await pending;
}

/** One column of a chunk: its values as one array parameter, and the column's value made of an element. */
interface ColumnLoad {
  readonly array: RawBuilder<unknown>;
  readonly value: RawBuilder<unknown>;
}

/** Milliseconds from 1970 up to which `ms * interval '1 millisecond'` is exact: the product, in microseconds, stays a double's integer. */
const EXACT_MILLISECONDS = 2 ** 53 / 1000;

/**
 * How a column's values travel. Times go as epoch milliseconds, added to the
 * epoch in SQL (exact to the microsecond, whatever the time zone): formatting
 * a Date as ISO text cost Node ~1 µs, most of a row's serialisation. A time
 * too far from 1970 for that to be exact, or a value that is not a Date, sends
 * the column as text.
 */
function columnLoad(column: Column, element: RawBuilder<unknown>, values: readonly unknown[]): ColumnLoad {
  if (column.type === 'timestamp with time zone' && values.every(isEpochExact)) {
    const millis = values.map((value) => (value instanceof Date ? value.getTime() : null));
    return { array: sql`${arrayLiteral(millis)}::int8[]`, value: sql`timestamptz 'epoch' + ${element} * interval '1 millisecond'` };
  }
  return { array: sql`${arrayLiteral(values)}::${sql.raw(column.type)}[]`, value: element };
}

const isEpochExact = (value: unknown) =>
  value === null || value === undefined || (value instanceof Date && Math.abs(value.getTime()) <= EXACT_MILLISECONDS);

/**
 * `values` as a Postgres array literal: a missing value as NULL, every other
 * element quoted (so any text is safe), a time in ISO 8601 (exact to the
 * millisecond, as Date is), an object as its JSON (json columns).
 */
export function arrayLiteral(values: readonly unknown[]): string {
  // JSON.stringify is several times faster than building the literal here, and its
  // text is the literal's whenever it escapes nothing but quotes and backslashes
  // (no control characters) and no element is an object other than a Date.
  const json = JSON.stringify(values);
  if (!/\\[^"\\]/.test(json) && values.every(isScalar)) return `{${json.slice(1, -1)}}`;
  return `{${values.map(quoted).join(',')}}`;
}

const isScalar = (value: unknown) => typeof value !== 'object' || value === null || value instanceof Date;

function quoted(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
