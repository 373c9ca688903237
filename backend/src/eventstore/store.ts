import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { open, openAllJoined, seal } from '../crypto/aead';
import { ErasedKeyError, type DataKey, type Keyring } from '../crypto/keyring';
import { CopyTarget } from '../db/copy-out';
import { engineOf } from '../db/database';
import type { Database, EventMetadata, EventRow } from '../db/types';
import { toAppError } from '../errors/classify';
import { ConflictError, UnavailableError } from '../errors/errors';
import { dataSubjectOf, parseEventData, type NewChatEvent, type RecordedChatEvent } from '../events';
import { GroupCommitter, SPLIT_AT, type Outcome } from './group-commit';
import { chainHash, GENESIS_HASH, type ChainedFields } from './hash-chain';
import { KnownState, sameEnd, type ChainEnd, type KnownBatchState } from './known-state';
import { projectedRows, withChanges, type ProjectedRows, type RowChanges, type TouchedIds } from './projected-rows';
import { anyOf, buildParts, toJson, type ShapedSql } from './shaped-sql';
import { INDEXED_PLANS, PREPARED_PREFIX, StatementShapes, UNKNOWN_STATEMENT, type SimpleStatement } from './simple-statement';
import { sealedBinaryPage, sealedRowOf, type SealedRecords } from './sealed-page';

/** A page of the log: positions after `after` (and up to `upTo`), optionally only some streams or not some types. */
export interface ReadOptions {
  readonly after: number;
  readonly limit: number;
  readonly upTo?: number;
  readonly streams?: readonly string[];
  readonly excludeTypes?: readonly string[];
  /** Only these types. */
  readonly types?: readonly string[];
  /** Only events caused by this actor (a user id). */
  readonly actor?: string;
  /** Only events that occurred at or after `from` and before `to`. */
  readonly from?: Date;
  readonly to?: Date;
  /**
   * Every row committed in this snapshot, also those newer than the oldest
   * transaction still running anywhere on the server. For audits and checks,
   * not for followers (they could then skip a row that commits late).
   */
  readonly allCommitted?: boolean;
}

/**
 * Where the redacted (content-free) payloads of crypto-erased events come
 * from, so that projections can still be rebuilt after an erasure.
 */
export interface RedactionSource {
  /** The redacted payload of an event whose data key was destroyed, if the erasure recorded one. */
  redactedData(row: SealedRow, store: EventStore, executor: Kysely<Database>): Promise<unknown>;
}

/** What decoding a row needs: everything but its hashes. */
export type SealedRow = Pick<EventRow, 'position' | 'stream' | 'version' | 'type' | 'actor' | 'occurred_at' | 'key_id' | 'nonce' | 'ciphertext' | 'metadata'>;

/** `no_stream`: the stream must not exist yet; `any`: no check; a number: the stream's current version. */
export type ExpectedVersion = number | 'no_stream' | 'any';

/** One command's events, appended atomically. */
export interface AppendRequest {
  /** The user who caused the events; `null` for the system. */
  readonly actor: string | null;
  /** The client's command id: a repeat returns the first result and writes nothing. */
  readonly commandId?: string;
  readonly occurredAt: Date;
  readonly events: readonly NewChatEvent[];
  /** Expected versions by stream; streams not named accept any version. */
  readonly expected?: Readonly<Record<string, ExpectedVersion>>;
  readonly correlationId?: string;
  readonly causationId?: string;
  /**
   * Refuses this request alone, by throwing (an `AppError`), when the
   * projection rows the batch decides on do not allow it: a check with no
   * statement of its own and no window before the append (the batch writes
   * only if, under the append lock, the log still ends where those rows
   * were read). It may
   * only read rows the request's events touch (others look absent), as of
   * the batch's start. Runs after the command id's repeat check, so a repeat
   * still answers its first result.
   */
  readonly guard?: (rows: ProjectedRows) => void;
}

export interface AppendResult {
  /** Global positions of the appended events (of the first append, for a repeat). */
  readonly positions: readonly number[];
  /** True when the command id had been seen: nothing was written. */
  readonly duplicate: boolean;
}

/**
 * Applies freshly appended events to the projections inside the append
 * transaction, so a reader who got an ack also sees its effect. It adds to
 * the append's two statements instead of running its own: the rows it needs
 * are read with the chain head, its changes written with the events.
 */
export interface Projector {
  /** Learns, once, what it needs of the schema; cheap after the first call. */
  prepare(db: Kysely<Database>): Promise<void>;
  /**
   * The rows `events` may touch, by table. Asked before the batch's
   * outcomes are known, so it may name events that end up not recorded.
   */
  touchedIds(events: readonly RecordedChatEvent[]): TouchedIds;
  /**
   * A `json` object of the rows `ids` names, from table name to its rows
   * (each with its `id`: guards look them up so). It travels with the
   * batch's `begin`, as part of a statement prepared once per shape.
   */
  touchedRows(ids: TouchedIds): ShapedSql;
  /**
   * Folds the recorded events into those rows; answers data-modifying
   * statements (each fit for a `WITH`) writing back what changed, and the
   * changed rows as `touchedRows` would read them once written (the next
   * batch may have read before this one commits).
   */
  writes(touched: unknown, events: readonly RecordedChatEvent[]): { statements: ShapedSql[]; changes: RowChanges };
}

/** Called after a batch committed, with the events in position order. */
export type CommitListener = (events: readonly RecordedChatEvent[]) => void;

// Serialises appenders across every process on the database: the hash chain
// needs each row's predecessor, and positions become commit-ordered.
const APPEND_LOCK = 0x63686174;
const APPEND_LOCK_STATEMENT = `select pg_advisory_xact_lock(${APPEND_LOCK})`;
/** What `append_expect_state` raises when the chain no longer ends where a batch decided it did. */
const CHAIN_MOVED = 'CL001' as const;
/** What `append_expect_state` raises when the projections were rebuilt (`make replay`) since a batch read them. */
const REBUILT = 'CL003' as const;
/** What `append_expect_state` raises when a row or command id a batch took for new exists. */
const TAKEN = 'CL002' as const;
/** The names of the append statements this session has prepared. */
const PREPARED_NAMES = `array(select name from pg_prepared_statements where starts_with(name, '${PREPARED_PREFIX}'))`;
const PREPARED_STATEMENTS = `select ${PREPARED_NAMES} as names`;
/** What Postgres answers a `PREPARE` of a name this session has prepared already. */
const ALREADY_PREPARED = '42P05';
const MAX_BATCH_REQUESTS = 256;

/**
 * The only module that writes or reads the `events` table. Appends are group
 * committed; each is checked for its expected versions and command id,
 * sealed with its subject's data key (the associated data binds stream,
 * version and type), chained by hash, and projected in the same transaction,
 * which writes under one advisory lock only if the log still ends where the
 * batch's decisions assumed.
 */
export class EventStore {
  readonly #committer: GroupCommitter<AppendRequest, AppendResult>;
  readonly #listeners = new Set<CommitListener>();
  #commitSignal: ((lastPosition: number) => string) | undefined;
  /** Settles once the listeners have heard the latest batch (or it failed). */
  #notified: Promise<void> = Promise.resolve();
  /** The latest batch whose write was sent (it may not have committed, or may have failed). */
  #lastBatch: BatchEnd | undefined;
  /** Set when a batch found the chain moved (another node appended, or a batch ahead failed): batches then read under the lock until it is this store's again. */
  #contended = false;
  #redecided = 0;
  /** What batches decide on, as of the end the latest batch leaves: lets a batch skip its read. */
  readonly #known = new KnownState();
  #decidedFromMemory = 0;
  /** The append statements (reads, checks, writes) some session of the pool is known to have prepared. */
  readonly #prepared = new Set<string>();
  readonly #statements: StatementShapes;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keyring: Keyring,
    private readonly projector: Projector,
    private readonly redactions?: RedactionSource,
  ) {
    this.#statements = new StatementShapes(db);
    this.#committer = new GroupCommitter(
      (requests, handOff) => this.#writeBatch(requests, handOff),
      MAX_BATCH_REQUESTS,
      (error) => !(toAppError(error) instanceof UnavailableError),
      // PGlite is one connection: the next batch cannot read while one commits, so a split would only add a transaction.
      engineOf(db) === 'pglite' ? Infinity : SPLIT_AT,
    );
  }

  /**
   * Appends one command's events. Rejects with `ConflictError('version_conflict')`
   * when an expected version does not hold (the caller may re-decide and retry),
   * or `ConflictError('command_id_reused')` when another actor used the command id.
   */
  append(request: AppendRequest): Promise<AppendResult> {
    return this.#committer.submit(request);
  }

  /** How many transactions the appends so far were committed in. */
  get batchCount(): number {
    return this.#committer.batches;
  }

  /** How many batches found the chain moved under the lock and decided again (appends from another node, or a batch ahead that failed). */
  get redecidedCount(): number {
    return this.#redecided;
  }

  /** How many batches decided on what this store knew, without reading, and held under the lock (see `KnownState`). */
  get decidedFromMemoryCount(): number {
    return this.#decidedFromMemory;
  }

  /** Waits until every append submitted so far has committed or failed. */
  flush(): Promise<void> {
    return this.#committer.idle();
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Has every batch that appends run `statement(its last position)` inside
   * its transaction, just before its commit, in the commit's round trip: a
   * signal (a NOTIFY) that leaves at the commit and only if it commits,
   * with no statement or transaction of its own. One at a time; the
   * returned function removes it.
   */
  signalInCommit(statement: (lastPosition: number) => string): () => void {
    this.#commitSignal = statement;
    return () => {
      if (this.#commitSignal === statement) this.#commitSignal = undefined;
    };
  }

  /**
   * Events after `after` in position order, decrypted. Only rows written by
   * transactions older than every transaction still running are returned, so a
   * follower that resumes from the last position it saw never skips a row
   * that commits late.
   */
  async read(options: ReadOptions): Promise<RecordedChatEvent[]> {
    return this.decodeAll(await this.readRows(options));
  }

  /**
   * The whole log in position order, decrypted, a page at a time; for a
   * replay that holds the append lock on `executor` (every committed row is
   * then final). The next page is asked for before this one is parsed and
   * decoded, so the database reads while this process decrypts.
   */
  async *replayPages(executor: Kysely<Database>, pageSize: number): AsyncGenerator<RecordedChatEvent[]> {
    // Two buffers, taken in turn: a page is decoded (nothing decoded keeps a view of it) before the page after next is read.
    const targets = [new CopyTarget(), new CopyTarget()];
    let read = 0;
    let next = sealedBinaryPage(executor, 0, pageSize, targets[read++ % 2]);
    try {
      for (;;) {
        const page = await next;
        if (page.last === undefined) return;
        next = sealedBinaryPage(executor, page.last, pageSize, targets[read++ % 2]);
        // Let the driver put that query on the wire (a few promise turns) before parsing and decrypting,
        // which do not yield: else the server would start the next page only once this one was folded.
        await new Promise<void>((resolve) => setImmediate(resolve));
        yield await this.#decodeRecords(page.records(), executor);
      }
    } finally {
      // A consumer that stopped early must not leave a query running into its rollback.
      await next.catch(() => {});
    }
  }

  /** The raw (sealed) rows `read` would return; for auditing and chain checks. */
  async readRows(options: ReadOptions, executor: Kysely<Database> = this.db): Promise<EventRow[]> {
    if (options.streams?.length === 0) return [];
    let query = executor
      .selectFrom('events')
      .selectAll()
      .where('position', '>', options.after)
      .orderBy('position')
      .limit(options.limit);
    if (!options.allCommitted) query = query.where(sql<boolean>`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`);
    if (options.upTo !== undefined) query = query.where('position', '<=', options.upTo);
    if (options.streams) query = query.where('stream', 'in', options.streams);
    if (options.excludeTypes?.length) query = query.where('type', 'not in', options.excludeTypes);
    if (options.types) query = options.types.length === 0 ? query.where(sql<boolean>`false`) : query.where('type', 'in', options.types);
    if (options.actor !== undefined) query = query.where('actor', '=', options.actor);
    if (options.from) query = query.where('occurred_at', '>=', options.from);
    if (options.to) query = query.where('occurred_at', '<', options.to);
    return query.execute();
  }

  /** Every row sealed with one data key, in position order (what erasing its owner makes unreadable). */
  async rowsSealedBy(keyId: string, executor: Kysely<Database> = this.db): Promise<EventRow[]> {
    return executor.selectFrom('events').selectAll().where('key_id', '=', keyId).orderBy('position').execute();
  }

  /** The current version of a stream (0 if it does not exist). */
  async streamVersion(stream: string): Promise<number> {
    const row = await this.db.selectFrom('streams').select('version').where('stream', '=', stream).executeTakeFirst();
    return row?.version ?? 0;
  }

  /** Events of one stream in version order. */
  async readStream(stream: string): Promise<RecordedChatEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll().where('stream', '=', stream).orderBy('version').execute();
    return this.decodeAll(rows);
  }

  /** Decrypted events at the given positions (e.g. the current bodies of a page of messages). */
  async readAt(positions: readonly number[]): Promise<Map<number, RecordedChatEvent>> {
    if (positions.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').selectAll().where('position', 'in', positions).execute();
    const events = await this.decodeAll(rows);
    return new Map(events.map((event) => [event.position, event]));
  }

  /** The recorded result of a command id, if it was ever appended. */
  async commandResult(commandId: string): Promise<{ actor: string | null; positions: number[] } | undefined> {
    const row = await this.db.selectFrom('commands').selectAll().where('command_id', '=', commandId).executeTakeFirst();
    return row && { actor: row.actor, positions: row.positions.map(Number) };
  }

  /** Position and hash of the last committed row (the chain's head; position 0 for an empty log). */
  async chainHead(): Promise<{ position: number; hash: Buffer }> {
    const [row] = await this.db
      .selectFrom('events')
      .select(['position', 'hash'])
      .orderBy('position', 'desc')
      .limit(1)
      .execute();
    return row ?? { position: 0, hash: GENESIS_HASH };
  }

  /**
   * Authenticates a row's ciphertext under its data key without parsing it:
   * `erased` when the key was destroyed, `bad` when the key is unknown or the
   * ciphertext, nonce, stream, version or type was altered.
   */
  async authenticate(row: EventRow): Promise<'ok' | 'erased' | 'bad'> {
    try {
      const key = await this.keyring.keyById(row.key_id);
      open(key, { nonce: row.nonce, ciphertext: row.ciphertext }, associatedData(row.stream, row.version, row.type));
      return 'ok';
    } catch (error) {
      return error instanceof ErasedKeyError ? 'erased' : 'bad';
    }
  }

  /** The highest committed position (0 for an empty log). */
  async head(): Promise<number> {
    const row = await this.db.selectFrom('events').select('position').orderBy('position', 'desc').limit(1).executeTakeFirst();
    return row?.position ?? 0;
  }

  /**
   * A name for this log: the hex hash of its first event (undefined while it
   * is empty). Every node on one database sees the same, other databases differ.
   */
  async logId(): Promise<string | undefined> {
    const row = await this.db.selectFrom('events').select('hash').where('position', '=', 1).executeTakeFirst();
    return row?.hash.toString('hex');
  }

  /** Decrypts and validates one row; see `decodeAll`. */
  async decode(row: SealedRow, executor: Kysely<Database> = this.db): Promise<RecordedChatEvent> {
    return (await this.decodeAll([row], executor))[0]!;
  }

  /**
   * Decrypts and validates rows; throws if a key, the data or its binding is
   * wrong. A row whose data key was destroyed (crypto-erasure) decodes to its
   * redacted payload, marked `erased`; without one, `ErasedKeyError`. Each
   * data key is looked up once, then the rows decode without awaiting.
   */
  async decodeAll(rows: readonly SealedRow[], executor: Kysely<Database> = this.db): Promise<RecordedChatEvent[]> {
    const keys = await this.#keysOf(rows, executor);
    const events: RecordedChatEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const key = keys.get(row.key_id)!;
      if (key instanceof ErasedKeyError) {
        const data = await this.redactions?.redactedData(row, this, executor);
        if (data === undefined) throw key;
        events[i] = { erased: true, ...recordedEvent(row, data) };
      } else {
        const plaintext = open(key, { nonce: row.nonce, ciphertext: row.ciphertext }, associatedData(row.stream, row.version, row.type));
        events[i] = recordedEvent(row, JSON.parse(plaintext.toString('utf8')));
      }
    }
    return events;
  }

  /**
   * A page's rows decrypted as `decodeAll` would, in one native call for the
   * page (see `openAllJoined`), their JSON parsed as one array; a page with a
   * row whose key was destroyed goes through `decodeAll`, for its redactions.
   */
  async #decodeRecords({ bytes, rows }: SealedRecords, executor: Kysely<Database>): Promise<RecordedChatEvent[]> {
    const keys = await this.#keysOf(rows, executor);
    const ids = [...keys.keys()];
    const usable = ids.map((id) => keys.get(id)!).filter((key): key is Buffer => !(key instanceof ErasedKeyError));
    if (usable.length < ids.length) return this.decodeAll(rows.map((row) => sealedRowOf(bytes, row)), executor);
    const keyIndex = new Map(ids.map((id, i) => [id, i]));
    const spans = rows.map((row) => ({
      keyIndex: keyIndex.get(row.key_id)!,
      nonceAt: row.nonceAt,
      nonceLength: row.nonceLength,
      ciphertextAt: row.ciphertextAt,
      ciphertextLength: row.ciphertextLength,
      associatedData: associatedDataText(row.stream, row.version, row.type),
    }));
    const data = parseJoinedJson(openAllJoined(usable, bytes, spans, JSON_ARRAY), rows.length);
    return rows.map((row, i) => recordedEvent(row, data[i]));
  }

  /** The data keys `rows` were sealed with, each asked for once; a destroyed one as its `ErasedKeyError`. */
  async #keysOf(rows: readonly Pick<SealedRow, 'key_id'>[], executor: Kysely<Database>): Promise<Map<string, Buffer | ErasedKeyError>> {
    const ids = [...new Set(rows.map((row) => row.key_id))];
    const keys = await Promise.all(
      ids.map((id) =>
        this.keyring.keyById(id, executor).catch((error: unknown) => {
          if (error instanceof ErasedKeyError) return error;
          throw error;
        }),
      ),
    );
    return new Map(ids.map((id, i) => [id, keys[i]!]));
  }

  /** Blocks every appender, on every node, until `tx` ends (used by replay). */
  async lockAppends(tx: Transaction<Database>): Promise<void> {
    await sql.raw(APPEND_LOCK_STATEMENT).execute(tx);
  }

  async #writeBatch(requests: readonly AppendRequest[], handOff: () => void): Promise<Outcome<AppendResult>[]> {
    const keys = await this.keyring.keysFor(requests.flatMap((r) => r.events.map((e) => dataSubjectOf(e, r.actor))));
    await this.projector.prepare(this.db);
    const plan = this.#planOf(requests);
    const written = this.db.connection().execute(async (connection) => {
      try {
        return await this.#decideAndWrite(connection, requests, keys, plan, handOff);
      } catch (error) {
        // The connection goes back to the pool: never with a transaction open. Nothing known survives a failure.
        this.#known.forget();
        await sql`rollback`.execute(connection).catch(() => {});
        throw error;
      }
    });
    // Two batches may be in flight (see GroupCommitter): listeners still hear them in commit order.
    const previous = this.#notified;
    const notified = written.then(
      ({ recorded }) =>
        previous.then(() => {
          if (recorded.length > 0) for (const listener of this.#listeners) listener(recorded);
        }),
      () => previous,
    );
    this.#notified = notified.catch(() => {});
    await notified;
    return (await written).outcomes;
  }

  /**
   * The batch's transaction, in one round trip where the driver allows and
   * this store knows what the batch decides on (`KnownState`: it is the only
   * writer, and every stream and row the batch touches is known): it takes
   * the lock, checks that the chain and the projections are still where
   * that state says and that what it took for new is new
   * (`append_expect_state`), writes and commits. Else in two: the first
   * begins and reads what the batch decides on, without the append lock; the
   * second takes the lock, checks, writes and commits. So the read and the
   * deciding, sealing and chaining overlap the previous batch's commit
   * instead of holding the lock: when the read did not see that batch yet,
   * its outcome (`BatchEnd`) is laid over the read. If a check fails
   * (another writer appended, that batch did not commit, a replay rebuilt
   * the projections, a guess was wrong), the batch decides again on a read
   * made under the lock; after a moved chain, so do the batches after it
   * until the chain is this store's alone again. Hands off to the next batch
   * as its write leaves.
   */
  async #decideAndWrite(tx: Kysely<Database>, requests: readonly AppendRequest[], keys: Map<string, DataKey>, plan: BatchPlan, handOff: () => void) {
    if (!this.#contended) {
      const known = this.#known.stateFor(plan.streams, plan.ids);
      const written = await this.#attempt(tx, requests, keys, plan, handOff, known ?? 'read');
      if (typeof written === 'object') {
        if (known) this.#decidedFromMemory++;
        return written;
      }
      this.#known.forget();
      // A batch that read found another writer or a replay; one that did not may only have guessed a row wrong.
      if (!known || written === CHAIN_MOVED) {
        this.#contended = true;
        this.#redecided++;
      }
      await this.#send(tx, ['rollback']);
    }
    return (await this.#attempt(tx, requests, keys, plan, handOff, 'locked')) as Written;
  }

  /**
   * One try at the batch's transaction: on `known` state with no read, on a
   * read made before the lock (`read`), or under the lock from the start
   * (`locked`). Answers the code of the check under the lock that failed
   * instead (the transaction is then aborted, not rolled back).
   */
  async #attempt(
    tx: Kysely<Database>,
    requests: readonly AppendRequest[],
    keys: Map<string, DataKey>,
    plan: BatchPlan,
    handOff: () => void,
    from: KnownBatchState | 'read' | 'locked',
  ): Promise<Written | typeof CHAIN_MOVED | typeof REBUILT | typeof TAKEN> {
    const known = typeof from === 'object' ? from : undefined;
    let state: BatchState = known
      ? { ...known, seen: new Map(), prepared: [...this.#prepared] }
      : stateOf(await this.#begin(tx, plan.read(), from === 'locked'));
    if (!known) {
      const previous = this.#lastBatch;
      if (from === 'locked') {
        // Nobody else appended since this store's last batch: the next batch may decide before the lock again.
        if (previous && sameEnd(state.end, previous.to)) this.#contended = false;
      } else if (previous && sameEnd(state.end, previous.from)) state = continued(state, previous);
      this.#known.learn(state, plan.streams, plan.ids);
      for (const name of state.prepared) this.#prepared.add(name);
    }
    const batch = decide(state, requests, keys);
    // With nothing recorded it answers no statements and no changes.
    const projected = this.projector.writes(state.touched, batch.recorded);
    const writeStatement = batch.rows.length > 0 ? this.#writeStatement(batch.rows, batch.streams, batch.commands, projected.statements) : undefined;
    const signal = batch.rows.length > 0 && this.#commitSignal ? [this.#commitSignal(batch.end.position)] : [];
    const checkStatement = from === 'locked' ? undefined : this.#checkStatement(state, known ? plan.commandIds : [], known?.fresh ?? new Map());
    const prepared = (statement: SimpleStatement | undefined, names: readonly string[]) => statement?.runIn(names) ?? [];
    const transaction = (names: readonly string[], begin: boolean) => [
      ...(begin ? ['begin', INDEXED_PLANS] : []),
      ...(checkStatement ? [APPEND_LOCK_STATEMENT, ...prepared(checkStatement, names)] : []),
      ...prepared(writeStatement, names),
      ...signal,
      'commit',
    ];
    const versions = new Map(batch.streams.map(({ stream, version }) => [stream, version]));
    const ahead = this.#lastBatch;
    let settle!: (committed: boolean) => void;
    const committed = new Promise<boolean>((resolve) => (settle = resolve));
    this.#lastBatch = { from: state.end, to: batch.end, versions, commands: batch.inBatch, changes: projected.changes, committed };
    this.#known.advance(state.end, batch.end, versions, projected.changes, plan.ids);
    let names = state.prepared;
    // The next batch may begin, read and decide while this one commits.
    handOff();
    try {
      // Decided on the batch ahead, this one goes once that one committed: both would take the lock at once, and
      // Postgres grants it in no set order; this one, first, would find the chain short of where it decided it ends.
      if (known && ahead && !(await ahead.committed)) {
        settle(false);
        return CHAIN_MOVED;
      }
      let attempt = this.#send(tx, transaction(names, known !== undefined));
      for (let tries = 0; ; tries++) {
        try {
          await attempt;
          break;
        } catch (error) {
          const code = (error as { code?: string }).code;
          // A batch that did not read guessed this session's statements from the others'; a try's PREPAREs outlive its
          // rollback. Sent again, a batch must take the lock and check what it decided on anew: not one decided under the lock.
          if (tries >= 2 || !checkStatement || (code !== UNKNOWN_STATEMENT && code !== ALREADY_PREPARED)) throw error;
          await this.#send(tx, ['rollback']);
          names = (await this.#send<{ names: string[] }>(tx, [PREPARED_STATEMENTS]))[0]!.names;
          attempt = this.#send(tx, transaction(names, true));
        }
      }
    } catch (error) {
      settle(false);
      const code = (error as { code?: string }).code;
      if (from !== 'locked' && (code === CHAIN_MOVED || code === REBUILT)) return code;
      if (known && code === TAKEN) return TAKEN;
      throw error;
    }
    settle(true);
    for (const statement of [checkStatement, writeStatement]) if (prepared(statement, names).length > 1) this.#prepared.add(statement!.name);
    return { outcomes: batch.outcomes, recorded: batch.recorded };
  }

  /**
   * Begins the batch's transaction (taking the append lock first when
   * `locked`) and runs the batch's read, prepared in this session. The lock
   * is its own statement: a statement's snapshot is taken when it starts, so
   * what is read after the lock must be read by a later one. Which session
   * the pool hands out is not known here, so the read is executed as if
   * prepared; a session that has not prepared it yet refuses, and the
   * transaction starts again with the PREPARE (once per session and shape of
   * read).
   */
  async #begin(tx: Kysely<Database>, read: SimpleStatement, locked: boolean): Promise<StateRow> {
    const opening = ['begin', INDEXED_PLANS, ...(locked ? [APPEND_LOCK_STATEMENT] : [])];
    try {
      return (await this.#send<StateRow>(tx, [...opening, read.execute()]))[0]!;
    } catch (error) {
      if ((error as { code?: string }).code !== UNKNOWN_STATEMENT) throw error;
      return (await this.#send<StateRow>(tx, ['rollback', ...opening, read.prepare(), read.execute()]))[0]!;
    }
  }

  /** What a batch touches (streams, projection rows, command ids), with its read, built when first asked for. */
  #planOf(requests: readonly AppendRequest[]): BatchPlan {
    const commandIds = requests.flatMap((r) => (r.commandId ? [r.commandId] : []));
    const streams = [...new Set(requests.flatMap((r) => r.events.map((e) => e.stream)))];
    const ids = this.projector.touchedIds(requests.flatMap((r) => r.events.map((e) => recordedAs(e, 0, 0, r, {}))));
    let read: SimpleStatement | undefined;
    return { commandIds, streams, ids, read: () => (read ??= this.#stateQuery(commandIds, streams, ids)) };
  }

  /**
   * The statement reading everything a batch decides on: the chain head, the
   * projections' generation, the command ids already recorded, the streams'
   * versions, the projection rows its events may touch, and which write
   * statements this session has prepared. Its lists are JSON constants, not
   * bind parameters, so it can travel with the begin and the lock; it is
   * executed as a statement prepared once per session, as the write is.
   */
  #stateQuery(commandIds: readonly string[], streams: readonly string[], touched: TouchedIds): SimpleStatement {
    const rows = this.projector.touchedRows(touched);
    return this.#statements.statement({
      key: `read ${rows.key}`,
      values: [toJson(commandIds), toJson(streams), ...rows.values],
      build: ([commands, versions, ...rest]) => sql`
        select head.position, head.hash,
          (select generation from projection_generation where singleton = 1) as generation,
          (select coalesce(json_agg(json_build_array(command_id, actor, positions)), '[]'::json) from commands
            where command_id = ${anyOf(commands!)}) as commands,
          (select coalesce(json_object_agg(stream, version), '{}'::json) from streams
            where stream = ${anyOf(versions!)}) as streams,
          ${rows.build(rest)} as touched,
          ${sql.raw(PREPARED_NAMES)} as prepared
        from (select 1) as one
        left join lateral (select position, hash from events order by position desc limit 1) as head on true`,
    });
  }

  /**
   * The check, under the append lock, that the chain still ends and the
   * projections' generation still is where `state` says, and that none of
   * `commandIds` is recorded and none of the `fresh` rows exists (what a
   * batch that did not read took for new); `append_expect_state` raises
   * `CHAIN_MOVED`, `REBUILT` or `TAKEN` if not. Its values are JSON constants, so its
   * text is the same for every batch of the same shape and is prepared once
   * per session.
   */
  #checkStatement(state: { end: ChainEnd; generation: number }, commandIds: readonly string[], fresh: ReadonlyMap<string, readonly string[]>): SimpleStatement {
    const checksCommands = commandIds.length > 0;
    const tables = [...fresh.keys()];
    return this.#statements.statement({
      key: `check ${checksCommands ? 'commands' : ''} ${tables.join(',')}`,
      values: [
        toJson([state.end.position, state.end.hash.toString('hex'), state.generation]),
        ...(checksCommands ? [toJson(commandIds)] : []),
        ...[...fresh.values()].map(toJson),
      ],
      build: ([end, ...lists]) => {
        const tableLists = checksCommands ? lists.slice(1) : lists;
        const taken = [
          ...(checksCommands ? [sql`exists (select 1 from commands where command_id = ${anyOf(lists[0]!)})`] : []),
          ...tables.map((table, i) => sql`exists (select 1 from ${sql.table(table)} where id = ${anyOf(tableLists[i]!)})`),
        ];
        return sql`select append_expect_state((${end} ->> 0)::bigint, decode(${end} ->> 1, 'hex'), (${end} ->> 2)::bigint,
          ${taken.length === 0 ? sql`false` : sql.join(taken, sql` or `)})`;
      },
    });
  }

  /**
   * One statement writes the batch: its events, stream versions, command
   * results and projection changes. Its lists are JSON constants, not bind
   * parameters, so it can travel with its COMMIT; its text without them is
   * the same for every batch of the same shape, so it is prepared once per
   * session and executed.
   */
  #writeStatement(
    rows: readonly ChainedRow[],
    streams: readonly { stream: string; version: number }[],
    commands: readonly CommandRow[],
    projections: readonly ShapedSql[],
  ): SimpleStatement {
    const events = rows.map(({ fields: r, prevHash, hash, occurredAt }) => ({
      position: r.position,
      stream: r.stream,
      version: r.version,
      type: r.type,
      actor: r.actor,
      occurred_at: occurredAt,
      key_id: r.keyId,
      nonce: r.nonce.toString('base64'),
      ciphertext: r.ciphertext.toString('base64'),
      metadata: r.metadata,
      prev_hash: prevHash.toString('base64'),
      hash: hash.toString('base64'),
    }));
    const recordsCommands = commands.length > 0;
    return this.#statements.statement({
      key: `write ${recordsCommands ? 'commands' : ''} ${projections.map((p) => p.key).join(' ')}`,
      values: [toJson(events), toJson(streams), ...(recordsCommands ? [toJson(commands)] : []), ...projections.flatMap((p) => p.values)],
      build: ([eventList, streamList, ...rest]) => {
        const projected = buildParts(projections, recordsCommands ? rest.slice(1) : rest);
        const parts = [
          sql`appended as (insert into events (position, stream, version, type, actor, occurred_at, key_id, nonce, ciphertext, metadata, prev_hash, hash)
            select position, stream, version, type, actor, occurred_at, key_id, decode(nonce, 'base64'), decode(ciphertext, 'base64'), metadata,
              decode(prev_hash, 'base64'), decode(hash, 'base64')
            from json_to_recordset(${eventList}) as r(position bigint, stream text, version integer, type text, actor text,
              occurred_at timestamptz, key_id text, nonce text, ciphertext text, metadata jsonb, prev_hash text, hash text))`,
          sql`versions as (insert into streams (stream, version)
            select stream, version from json_to_recordset(${streamList}) as r(stream text, version integer)
            on conflict (stream) do update set version = excluded.version)`,
          ...(recordsCommands
            ? [
                sql`results as (insert into commands (command_id, actor, positions, created_at)
                  select command_id, actor, positions, created_at
                  from json_to_recordset(${rest[0]}) as r(command_id text, actor text, positions bigint[], created_at timestamptz))`,
              ]
            : []),
          ...projected.map((statement, i) => sql`${sql.raw(`projected_${i}`)} as (${statement})`),
        ];
        return sql`with ${sql.join(parts)} select 1`;
      },
    });
  }

  /**
   * Runs parameterless statements in order, as one simple query (one round
   * trip to Postgres, one hop to PGlite's thread), and answers the last
   * one's rows.
   */
  async #send<R = unknown>(executor: Kysely<Database>, statements: readonly string[]): Promise<R[]> {
    return (await executor.executeQuery<R>(CompiledQuery.raw(statements.join(';\n')))).rows;
  }
}

/** What the batch's read answers (see `#stateQuery`). */
interface StateRow {
  position: number | null;
  hash: Buffer | null;
  generation: number | string;
  commands: [string, string | null, number[]][];
  streams: Record<string, number>;
  touched: unknown;
  /** The names of the append statements this session has prepared. */
  prepared: string[];
}

/** A batch's outcomes, and the events it recorded. */
interface Written {
  readonly outcomes: Outcome<AppendResult>[];
  readonly recorded: RecordedChatEvent[];
}

/** What a batch touches, and the statement reading it (built when first asked for). */
interface BatchPlan {
  readonly commandIds: readonly string[];
  readonly streams: readonly string[];
  readonly ids: TouchedIds;
  readonly read: () => SimpleStatement;
}

/** A command id's recorded result: who sent it and the positions its events got. */
interface CommandResult {
  readonly actor: string | null;
  readonly positions: number[];
}

/** What a batch decides on: where the chain ends, the command ids already recorded, the streams' versions, the projection rows. */
interface BatchState {
  readonly end: ChainEnd;
  /** The projections' generation (see `append_expect_state`). */
  readonly generation: number;
  readonly seen: ReadonlyMap<string, CommandResult>;
  readonly versions: ReadonlyMap<string, number>;
  /** What the projector's `touchedRows` read. */
  readonly touched: unknown;
  /** The names of the append statements this session has prepared. */
  readonly prepared: string[];
}

/**
 * What a batch leaves behind once its write is sent: where the chain ends
 * if it commits, and what it changed. A batch whose read was made before
 * that commit, while the chain still ended at `from`, decides on its read
 * with these laid over it (`continued`).
 */
interface BatchEnd {
  readonly from: ChainEnd;
  readonly to: ChainEnd;
  /** The versions of the streams it appended to. */
  readonly versions: ReadonlyMap<string, number>;
  readonly commands: ReadonlyMap<string, CommandResult>;
  readonly changes: RowChanges;
  /** Settles true once it committed, false if it failed. */
  readonly committed: Promise<boolean>;
}

/** The batch's starting point as its read answered it. */
function stateOf(row: StateRow): BatchState {
  const seen = new Map<string, CommandResult>();
  for (const [id, actor, positions] of row.commands) seen.set(id, { actor, positions: positions.map(Number) });
  return {
    end: { position: row.position === null ? 0 : Number(row.position), hash: row.hash ?? GENESIS_HASH },
    generation: Number(row.generation),
    seen,
    versions: new Map(Object.entries(row.streams)),
    touched: row.touched,
    prepared: row.prepared,
  };
}

/** `state`, read while the chain ended at `batch.from`, as it is once `batch` commits. */
function continued(state: BatchState, batch: BatchEnd): BatchState {
  return {
    end: batch.to,
    generation: state.generation,
    seen: new Map([...state.seen, ...batch.commands]),
    versions: new Map([...state.versions, ...batch.versions]),
    touched: withChanges(state.touched, batch.changes),
    prepared: state.prepared,
  };
}

/**
 * Decides every request of a batch on `state`: answers a repeated command
 * id with its first result, runs guards and checks expected versions, and
 * seals and chains the events of the requests it accepts.
 */
function decide(state: BatchState, requests: readonly AppendRequest[], keys: ReadonlyMap<string, DataKey>) {
  let { position, hash } = state.end;
  const { seen } = state;
  const versions = new Map(state.versions);
  const outcomes: Outcome<AppendResult>[] = [];
  const rows: ChainedRow[] = [];
  const recorded: RecordedChatEvent[] = [];
  const commands: CommandRow[] = [];
  const inBatch = new Map<string, CommandResult>();
  let rowsRead: ProjectedRows | undefined;

  for (const request of requests) {
    const earlier = request.commandId ? (seen.get(request.commandId) ?? inBatch.get(request.commandId)) : undefined;
    if (earlier) {
      outcomes.push(
        earlier.actor === request.actor
          ? { ok: true, value: { positions: earlier.positions, duplicate: true } }
          : { ok: false, error: new ConflictError('command_id_reused', 'This command id was already used.') },
      );
      continue;
    }
    const refusal = request.guard && refusalOf(request.guard, (rowsRead ??= projectedRows(state.touched)));
    if (refusal) {
      outcomes.push({ ok: false, error: refusal.error });
      continue;
    }
    const conflict = checkExpected(request, versions);
    if (conflict) {
      outcomes.push({ ok: false, error: conflict });
      continue;
    }
    const metadata = metadataOf(request);
    // Formatted once per request: JSON.stringify formats a Date through its toJSON, 2.5 µs each time.
    const occurredAt = request.occurredAt.toISOString();
    const positions: number[] = [];
    for (const event of request.events) {
      const version = (versions.get(event.stream) ?? 0) + 1;
      versions.set(event.stream, version);
      position += 1;
      const key = keys.get(dataSubjectOf(event, request.actor))!;
      const sealed = seal(key.key, Buffer.from(JSON.stringify(event.data), 'utf8'), associatedData(event.stream, version, event.type));
      const fields = {
        position,
        stream: event.stream,
        version,
        type: event.type,
        actor: request.actor,
        occurredAt: request.occurredAt,
        keyId: key.id,
        nonce: sealed.nonce,
        ciphertext: sealed.ciphertext,
        metadata,
      };
      const prevHash = hash;
      hash = chainHash(prevHash, fields);
      rows.push({ fields, prevHash, hash, occurredAt });
      recorded.push(recordedAs(event, position, version, request, metadata));
      positions.push(position);
    }
    if (request.commandId) {
      inBatch.set(request.commandId, { actor: request.actor, positions });
      commands.push({ command_id: request.commandId, actor: request.actor, positions, created_at: occurredAt });
    }
    outcomes.push({ ok: true, value: { positions, duplicate: false } });
  }

  const streams = [...new Set(rows.map((r) => r.fields.stream))].map((stream) => ({ stream, version: versions.get(stream)! }));
  return { outcomes, rows, recorded, commands, inBatch, streams, end: { position, hash } };
}

/** An event row as the chain covers it, with its links. */
interface ChainedRow {
  readonly fields: ChainedFields;
  readonly prevHash: Buffer;
  readonly hash: Buffer;
  /** `fields.occurredAt` in ISO form. */
  readonly occurredAt: string;
}

/** A command's recorded result as the write statement stores it. */
interface CommandRow {
  readonly command_id: string;
  readonly actor: string | null;
  readonly positions: number[];
  /** ISO timestamp. */
  readonly created_at: string;
}

/**
 * A new event as recorded at `position` and `version` by `request`. A literal,
 * not a spread of `event` followed by the new fields: V8 spent 4-8 µs on
 * such a spread, several times per appended event.
 */
function recordedAs(event: NewChatEvent, position: number, version: number, request: AppendRequest, metadata: EventMetadata): RecordedChatEvent {
  return {
    type: event.type,
    data: event.data,
    stream: event.stream,
    position,
    version,
    actor: request.actor,
    occurredAt: request.occurredAt,
    metadata,
  } as RecordedChatEvent;
}

/** A row's event, its payload validated against its type's schema (the DB-row boundary). */
function recordedEvent(row: Omit<SealedRow, 'nonce' | 'ciphertext'>, data: unknown): RecordedChatEvent {
  const event = parseEventData(row.type, data);
  // A literal, not a spread of `event`: spreading costs several times the decryption.
  return {
    type: event.type,
    data: event.data,
    position: row.position,
    stream: row.stream,
    version: row.version,
    actor: row.actor,
    occurredAt: row.occurred_at,
    metadata: row.metadata,
  } as RecordedChatEvent;
}

/** Binds a ciphertext to where it belongs: moved to another stream, version or type, it fails to open. */
export function associatedData(stream: string, version: number, type: string): Buffer {
  return Buffer.from(associatedDataText(stream, version, type), 'utf8');
}

/** `associatedData` as text: it is bound as its UTF-8 bytes. */
function associatedDataText(stream: string, version: number, type: string): string {
  return `chatterlink/event/v1\0${stream}\0${version}\0${type}`;
}

/** Plaintexts joined as the elements of one JSON array. */
const JSON_ARRAY = { open: '[', separator: ',', close: ']' } as const;

/**
 * The elements of `joined` (see `JSON_ARRAY`), which must be `count` JSON
 * values. Every plaintext was sealed as one `JSON.stringify`d value, and it
 * authenticated; a count that differs still means one was not a single value
 * (say `1,2`), and that throws rather than shift the rows' data.
 */
function parseJoinedJson(joined: string, count: number): readonly unknown[] {
  const values: unknown = JSON.parse(joined);
  if (!Array.isArray(values) || values.length !== count) {
    throw new SyntaxError(`a page's plaintexts parsed as ${Array.isArray(values) ? values.length : 'no'} JSON values, not ${count}`);
  }
  return values;
}

/** What a request's guard threw, if it refused. */
function refusalOf(guard: (rows: ProjectedRows) => void, rows: ProjectedRows): { error: unknown } | undefined {
  try {
    guard(rows);
    return undefined;
  } catch (error) {
    return { error };
  }
}

function checkExpected(request: AppendRequest, versions: ReadonlyMap<string, number>): ConflictError | undefined {
  for (const [stream, expected] of Object.entries(request.expected ?? {})) {
    const current = versions.get(stream);
    const holds =
      expected === 'any' || (expected === 'no_stream' ? current === undefined : (current ?? 0) === expected);
    if (!holds) {
      return new ConflictError('version_conflict', `Stream ${stream} changed concurrently; retry.`, {
        stream,
        expected,
        actual: current ?? null,
      });
    }
  }
  return undefined;
}

function metadataOf(request: AppendRequest): EventMetadata {
  const metadata: EventMetadata = {};
  if (request.commandId) metadata.commandId = request.commandId;
  if (request.correlationId) metadata.correlationId = request.correlationId;
  if (request.causationId) metadata.causationId = request.causationId;
  return metadata;
}
