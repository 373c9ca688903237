import type { RowChanges, TouchedIds } from './projected-rows';

/** Where the chain ends: its last row's position and hash (0 and the genesis hash while the log is empty). */
export interface ChainEnd {
  readonly position: number;
  readonly hash: Buffer;
}

export const sameEnd = (a: ChainEnd, b: ChainEnd) => a.position === b.position && a.hash.equals(b.hash);

/** A projection row as the batch's read answers it (JSON values, timestamps as text). */
type JsonRow = Readonly<Record<string, unknown>>;

/** What a batch's read found, as of `end`. */
export interface ReadState {
  readonly end: ChainEnd;
  readonly generation: number;
  /** The versions of the streams it found (a stream asked for and not here does not exist). */
  readonly versions: ReadonlyMap<string, number>;
  /** Table name → rows found (a row asked for and not here does not exist). */
  readonly touched: unknown;
}

/** What a batch decides on when it does not read: `ReadState` from memory, and the ids it took for new. */
export interface KnownBatchState extends ReadState {
  /** Table name → ids not known here that the batch's events make new: the append checks under its lock that they do not exist. */
  readonly fresh: ReadonlyMap<string, readonly string[]>;
}

/**
 * Entries kept per table, and stream versions: past it the entry written
 * longest ago is forgotten (a batch that needs it reads it again). Rows of
 * rooms and memberships are written by every message, so they stay.
 */
const CAPACITY = 20_000;

/**
 * What this store knows of the state appends decide on (stream versions and
 * projection rows, each present or known absent) as of the chain end its
 * latest batch leaves, with the projections' generation. Learnt from batch
 * reads and kept up to date by the batches' own outcomes, so that while
 * this store is the only writer a batch can decide without reading: the
 * append then checks under its lock that the chain still ends, and the
 * generation still is, where this state says (`append_expect_state`). Any
 * doubt (an end that does not follow, a failed batch) forgets everything.
 */
export class KnownState {
  #end: ChainEnd | undefined;
  #generation = 0;
  readonly #versions = new Map<string, number | null>();
  readonly #rows = new Map<string, Map<string, JsonRow | null>>();

  /**
   * Learns what a read found for the streams and ids it asked for (those not
   * found are absent). A read as of another end than the one known replaces
   * everything known.
   */
  learn(read: ReadState, streams: readonly string[], ids: TouchedIds): void {
    if (!this.#end || !sameEnd(this.#end, read.end) || this.#generation !== read.generation) {
      this.forget();
      this.#end = read.end;
      this.#generation = read.generation;
    }
    for (const stream of streams) remember(this.#versions, stream, read.versions.get(stream) ?? null);
    const found = (read.touched ?? {}) as Partial<Record<string, readonly JsonRow[]>>;
    for (const [table, { ids: asked, fresh }] of ids) {
      const rows = this.#table(table);
      const byId = new Map((found[table] ?? []).map((row) => [row.id as string, row]));
      for (const id of asked) if (!fresh.has(id)) remember(rows, id, byId.get(id) ?? null);
    }
  }

  /**
   * Moves the known state from `from` to `to` by a batch's outcome: the
   * versions of the streams it appended to and the rows it wrote, but for
   * those its events made new (`ids`' fresh ones: a new message's row is
   * rarely touched again, and kept it would only grow the old generation of
   * the heap). Forgets everything if `from` is not the end known.
   */
  advance(from: ChainEnd, to: ChainEnd, versions: ReadonlyMap<string, number>, changes: RowChanges, ids: TouchedIds): void {
    if (!this.#end || !sameEnd(this.#end, from)) {
      this.forget();
      return;
    }
    this.#end = to;
    for (const [stream, version] of versions) remember(this.#versions, stream, version);
    for (const [table, { rows, gone }] of changes) {
      const known = this.#table(table);
      const fresh = ids.get(table)?.fresh;
      for (const id of gone) remember(known, id, null);
      for (const row of rows) if (!fresh?.has(row.id as string)) remember(known, row.id as string, row);
    }
  }

  /**
   * The state a batch touching `streams` and `ids` decides on, if every
   * stream and row is known (a row its events make new may be unknown), or
   * undefined. Rows are copies: a projector may change what it is given.
   */
  stateFor(streams: readonly string[], ids: TouchedIds): KnownBatchState | undefined {
    if (!this.#end) return undefined;
    const versions = new Map<string, number>();
    for (const stream of streams) {
      const version = this.#versions.get(stream);
      if (version === undefined) return undefined;
      if (version !== null) versions.set(stream, version);
    }
    const touched: Record<string, JsonRow[]> = {};
    const fresh = new Map<string, string[]>();
    for (const [table, { ids: asked, fresh: made }] of ids) {
      const known = this.#rows.get(table);
      const rows: JsonRow[] = [];
      const unknown: string[] = [];
      for (const id of asked) {
        const row = known?.get(id);
        if (row) rows.push({ ...row });
        else if (row === undefined) {
          if (!made.has(id)) return undefined;
          unknown.push(id);
        }
      }
      touched[table] = rows;
      if (unknown.length > 0) fresh.set(table, unknown);
    }
    return { end: this.#end, generation: this.#generation, versions, touched, fresh };
  }

  /** Forgets everything: the next batch reads. */
  forget(): void {
    this.#end = undefined;
    this.#versions.clear();
    this.#rows.clear();
  }

  #table(table: string): Map<string, JsonRow | null> {
    let rows = this.#rows.get(table);
    if (!rows) this.#rows.set(table, (rows = new Map()));
    return rows;
  }
}

/** Sets `key` as the newest entry of `map`, forgetting the oldest past `CAPACITY`. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CAPACITY) map.delete(map.keys().next().value!);
}
