import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database, ProjectionTable } from '../db/types';

/** Rows per INSERT: one array parameter per column, a few megabytes in all. */
const CHUNK = 20_000;

/** An index, or a constraint backed by one, as the catalog would recreate it. */
interface IndexDefinition {
  readonly name: string;
  readonly definition: string;
  readonly constraint: boolean;
}

/** A table's rows by id (every projection table's primary key is its text `id`). */
export interface TableRows {
  readonly table: ProjectionTable;
  readonly rows: ReadonlyMap<string, object>;
}

/** The ids of a table whose rows changed since the last load, and the table's rows by id as they are now. */
export interface TableChanges extends TableRows {
  /** Each changed id, with whether its row existed at the last load (and so was loaded then or before). */
  readonly changed: ReadonlyMap<string, boolean>;
}

/**
 * Replaces the contents of whole tables inside `tx` while their new rows are
 * still being computed, so that the database inserts while the caller
 * folds the next events: `load` inserts the rows that did not exist at the
 * previous load (in the background, one load at a time) and remembers the
 * ids of those that did and changed; `finish` deletes and reinserts those,
 * then puts the new tables in place of the old. The loads must name every
 * change since `begin` (the new tables start empty). Rows are values: a row
 * object must not change after it was handed over.
 *
 * The rows go into a new table beside each old one (`LIKE` it: columns,
 * defaults, checks), so readers keep reading the old tables until `finish`
 * drops them and renames the new ones; only from there to the commit do they
 * wait. The new tables have no index while they load: maintaining a btree
 * row by row (random keys) costs several times more than building it once
 * over the loaded table. `finish` builds every index and unique constraint
 * the old table had, exactly as the catalog defined it (a constraint checks
 * the rows again), gives the new table the old one's owner and privileges
 * (an operator's grants to a reporting role survive a replay; `LIKE` copies
 * neither) and analyses it, so that the planner does not meet a table of a
 * million rows without statistics until autovacuum comes by. Triggers and
 * row security policies an operator added are not carried over. DDL is
 * transactional: a failure leaves the old tables.
 */
export class TableRewrite {
  /** By table, ids whose row changed or went away after it was loaded: `finish` rewrites them (and any copy loaded since). */
  readonly #stale: ReadonlyMap<ProjectionTable, Set<string>>;
  /** The load in flight (settled once its statements ran). */
  #pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly tx: Transaction<Database>,
    private readonly columns: ReadonlyMap<ProjectionTable, readonly Column[]>,
    private readonly indexes: readonly (IndexDefinition & { table: ProjectionTable })[],
    private readonly access: readonly string[],
  ) {
    this.#stale = new Map([...columns.keys()].map((table) => [table, new Set<string>()]));
  }

  /** Makes an empty new table beside each of `tables`. */
  static async begin(tx: Transaction<Database>, tables: readonly ProjectionTable[]): Promise<TableRewrite> {
    const indexes = await indexesOf(tx, tables);
    const access = await accessOf(tx, tables);
    const columns = new Map<ProjectionTable, Column[]>();
    for (const table of tables) {
      await sql`create table ${sql.table(successorOf(table))} (like ${sql.table(table)} including all excluding indexes)`.execute(tx);
      columns.set(table, await columnsOf(tx, table));
    }
    return new TableRewrite(tx, columns, indexes, access);
  }

  /**
   * Waits for the previous load, then starts inserting the rows that are
   * new since it and returns the ids it inserts, per entry of `changes`
   * (`finish` or `settled` reports a failure). A changed row that existed
   * then is left for `finish`; a new id with no row now is skipped.
   */
  async load(changes: readonly TableChanges[]): Promise<string[][]> {
    await this.#pending;
    const inserts: RawBuilder<unknown>[] = [];
    const inserted: string[][] = [];
    for (const { table, changed, rows } of changes) {
      const ids: string[] = [];
      const fresh: object[] = [];
      for (const [id, existed] of changed) {
        if (existed) this.#stale.get(table)!.add(id);
        else {
          const row = rows.get(id);
          if (row !== undefined) {
            ids.push(id);
            fresh.push(row);
          }
        }
      }
      inserts.push(...this.#inserts(table, fresh));
      inserted.push(ids);
    }
    this.#pending = this.#run(inserts);
    // Awaited by the next load, `finish` or `settled`; until then a failure must not count as unhandled.
    this.#pending.catch(() => {});
    return inserted;
  }

  /**
   * The rows of `ids` in `table` as they were loaded (an id never loaded has
   * none), once every load has run. `finish` then replaces each of them with
   * its state in the final rows, as it does a row that changed after its
   * load. Reads the whole new table, which has no index yet: ask once, for
   * every id at the same time.
   */
  async reopen(table: ProjectionTable, ids: readonly string[]): Promise<Map<string, object>> {
    await this.#pending;
    const { rows } = await sql<{ id: string }>`
      select * from ${sql.table(successorOf(table))} where id = any(${arrayLiteral(ids)}::text[])`.execute(this.tx);
    for (const id of ids) this.#stale.get(table)!.add(id);
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Waits for the load in flight; throws its error if it failed. */
  settled(): Promise<void> {
    return this.#pending;
  }

  /**
   * Replaces the rows that changed after their load with their final state
   * in `tables` (every table begun, with all its rows by id), puts each new
   * table in place of its old one and builds its indexes.
   */
  async finish(tables: readonly TableRows[]): Promise<void> {
    await this.#pending;
    const final = new Map(tables.map(({ table, rows }) => [table, rows]));
    for (const [table, ids] of this.#stale) {
      const stale = [...ids];
      if (stale.length === 0) continue;
      const rows = final.get(table);
      if (!rows) throw new Error(`TableRewrite.finish: no final rows for ${table}, whose loaded rows changed`);
      await sql`delete from ${sql.table(successorOf(table))} where id = any(${arrayLiteral(stale)}::text[])`.execute(this.tx);
      await this.#run(this.#inserts(table, stale.flatMap((id) => rows.get(id) ?? [])));
    }
    for (const table of this.columns.keys()) {
      await sql`drop table ${sql.table(table)}`.execute(this.tx);
      await sql`alter table ${sql.table(successorOf(table))} rename to ${sql.id(table)}`.execute(this.tx);
    }
    // The definitions name the tables, which are now the new ones.
    for (const index of this.indexes) {
      await (index.constraint
        ? sql`alter table ${sql.table(index.table)} add constraint ${sql.id(index.name)} ${sql.raw(index.definition)}`
        : sql.raw(index.definition)
      ).execute(this.tx);
    }
    for (const statement of this.access) await sql.raw(statement).execute(this.tx);
    for (const table of this.columns.keys()) await sql`analyze ${sql.table(table)}`.execute(this.tx);
  }

  async #run(statements: readonly RawBuilder<unknown>[]): Promise<void> {
    for (const statement of statements) await statement.execute(this.tx);
  }

  /**
   * Statements inserting rows (objects keyed by column name), a chunk each,
   * each chunk one typed array per column, zipped back into rows by `unnest`.
   * Postgres spends about 60 % of the CPU it spent expanding one JSON
   * document into the table's row type (`json_populate_recordset`); PGlite
   * about the same. Unlike COPY it goes through Kysely's transaction, on both
   * engines. The arrays are written out here rather than by the driver, so
   * that they are serialised while the database is still inserting the
   * previous load.
   */
  #inserts(table: ProjectionTable, rows: readonly object[]): RawBuilder<unknown>[] {
    const columns = this.columns.get(table)!;
    const names = sql.join(columns.map((c) => sql.id(c.name)));
    const elements = sql.join(columns.map((_, i) => sql.id(`c${i}`)));
    const statements: RawBuilder<unknown>[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK) as readonly Record<string, unknown>[];
      const loads = columns.map((c, j) => columnLoad(c, sql.id(`c${j}`), chunk.map((row) => row[c.name])));
      statements.push(sql`insert into ${sql.table(successorOf(table))} (${names})
        select ${sql.join(loads.map((l) => l.value))} from unnest(${sql.join(loads.map((l) => l.array))}) as u(${elements})`);
    }
    return statements;
  }
}

/** The table a rewrite loads beside `table`. */
const successorOf = (table: ProjectionTable) => `${table}_rewrite`;

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

/**
 * Statements that give each of `tables` its present owner (where that is not
 * who runs the rewrite) and privileges again, once a new table has its name:
 * one GRANT per privilege in its ACL (none while it has the defaults).
 */
async function accessOf(db: Kysely<Database>, tables: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`
    select format('alter table %I owner to %I', c.relname, pg_get_userbyid(c.relowner)) as statement, 0 as step
    from pg_class c
    where c.oid = any(array(select json_array_elements_text(${JSON.stringify(tables)}::json)::regclass)) and c.relowner <> current_user::regrole
    union all
    select format('grant %s on table %I to %s%s', a.privilege_type, c.relname,
        case when a.grantee = 0 then 'public' else quote_ident(pg_get_userbyid(a.grantee)) end,
        case when a.is_grantable then ' with grant option' else '' end), 1
    from pg_class c, aclexplode(c.relacl) a
    where c.oid = any(array(select json_array_elements_text(${JSON.stringify(tables)}::json)::regclass))
    order by step, statement`.execute(db);
  return rows.map((row) => row.statement);
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
