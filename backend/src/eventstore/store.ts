import { sql, type Kysely, type Transaction } from 'kysely';
import { open, seal } from '../crypto/aead';
import { ErasedKeyError, type Keyring } from '../crypto/keyring';
import type { Database, EventMetadata, EventRow, NewEventRow } from '../db/types';
import { toAppError } from '../errors/classify';
import { ConflictError, UnavailableError } from '../errors/errors';
import { dataSubjectOf, parseEventData, type NewChatEvent, type RecordedChatEvent } from '../events';
import { GroupCommitter, type Outcome } from './group-commit';
import { chainHash, GENESIS_HASH } from './hash-chain';

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
  redactedData(row: EventRow, store: EventStore, executor: Kysely<Database>): Promise<unknown>;
}

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
}

export interface AppendResult {
  /** Global positions of the appended events (of the first append, for a repeat). */
  readonly positions: readonly number[];
  /** True when the command id had been seen: nothing was written. */
  readonly duplicate: boolean;
}

/**
 * Applies freshly appended events to the projections inside the append
 * transaction, so a reader who got an ack also sees its effect.
 */
export type Projector = (tx: Transaction<Database>, events: readonly RecordedChatEvent[]) => Promise<void>;

/** Called after a batch committed, with the events in position order. */
export type CommitListener = (events: readonly RecordedChatEvent[]) => void;

// Serialises appenders across every process on the database: the hash chain
// needs each row's predecessor, and positions become commit-ordered.
const APPEND_LOCK = 0x63686174;
const MAX_BATCH_REQUESTS = 256;

/**
 * The only module that writes or reads the `events` table. Appends are group
 * committed; each is checked for its expected versions and command id under
 * one advisory lock, sealed with its subject's data key (the associated data
 * binds stream, version and type), chained by hash, and projected in the same
 * transaction.
 */
export class EventStore {
  readonly #committer: GroupCommitter<AppendRequest, AppendResult>;
  readonly #listeners = new Set<CommitListener>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly keyring: Keyring,
    private readonly projector: Projector,
    private readonly redactions?: RedactionSource,
  ) {
    this.#committer = new GroupCommitter(
      (requests) => this.#writeBatch(requests),
      MAX_BATCH_REQUESTS,
      (error) => !(toAppError(error) instanceof UnavailableError),
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

  /** Waits until every append submitted so far has committed or failed. */
  flush(): Promise<void> {
    return this.#committer.idle();
  }

  onCommitted(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Events after `after` in position order, decrypted. Only rows written by
   * transactions older than every transaction still running are returned, so a
   * follower that resumes from the last position it saw never skips a row
   * that commits late.
   */
  async read(options: ReadOptions): Promise<RecordedChatEvent[]> {
    return Promise.all((await this.readRows(options)).map((row) => this.decode(row)));
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
    return Promise.all(rows.map((row) => this.decode(row)));
  }

  /** Decrypted events at the given positions (e.g. the current bodies of a page of messages). */
  async readAt(positions: readonly number[]): Promise<Map<number, RecordedChatEvent>> {
    if (positions.length === 0) return new Map();
    const rows = await this.db.selectFrom('events').selectAll().where('position', 'in', positions).execute();
    const events = await Promise.all(rows.map((row) => this.decode(row)));
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

  /**
   * Decrypts and validates one row; throws if the key, the data or its binding
   * is wrong. A row whose data key was destroyed (crypto-erasure) decodes to
   * its redacted payload, marked `erased`; without one, `ErasedKeyError`.
   */
  async decode(row: EventRow, executor: Kysely<Database> = this.db): Promise<RecordedChatEvent> {
    let data: unknown;
    let erased = false;
    try {
      const key = await this.keyring.keyById(row.key_id, executor);
      const plaintext = open(key, { nonce: row.nonce, ciphertext: row.ciphertext }, associatedData(row.stream, row.version, row.type));
      data = JSON.parse(plaintext.toString('utf8'));
    } catch (error) {
      if (!(error instanceof ErasedKeyError)) throw error;
      data = await this.redactions?.redactedData(row, this, executor);
      if (data === undefined) throw error;
      erased = true;
    }
    const event = parseEventData(row.type, data);
    return {
      ...(erased ? { erased: true as const } : {}),
      ...event,
      position: row.position,
      stream: row.stream,
      version: row.version,
      actor: row.actor,
      occurredAt: row.occurred_at,
      metadata: row.metadata,
    };
  }

  /** Blocks every appender, on every node, until `tx` ends (used by replay). */
  async lockAppends(tx: Transaction<Database>): Promise<void> {
    await sql`select pg_advisory_xact_lock(${APPEND_LOCK})`.execute(tx);
  }

  async #writeBatch(requests: readonly AppendRequest[]): Promise<Outcome<AppendResult>[]> {
    const keys = await this.keyring.keysFor(requests.flatMap((r) => r.events.map((e) => dataSubjectOf(e, r.actor))));
    const { outcomes, recorded } = await this.db.transaction().execute(async (tx) => {
      await this.lockAppends(tx);
      const seen = await this.#seenCommands(tx, requests);
      const versions = await this.#streamVersions(tx, requests);
      let { position, hash } = await this.#chainHead(tx);

      const outcomes: Outcome<AppendResult>[] = [];
      const rows: NewEventRow[] = [];
      const recorded: RecordedChatEvent[] = [];
      const commands: { command_id: string; actor: string | null; positions: number[]; created_at: Date }[] = [];
      const inBatch = new Map<string, { actor: string | null; positions: number[] }>();

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
        const conflict = checkExpected(request, versions);
        if (conflict) {
          outcomes.push({ ok: false, error: conflict });
          continue;
        }
        const metadata = metadataOf(request);
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
          rows.push({
            position,
            stream: event.stream,
            version,
            type: event.type,
            actor: request.actor,
            occurred_at: request.occurredAt,
            key_id: key.id,
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
            metadata: JSON.stringify(metadata),
            prev_hash: prevHash,
            hash,
          });
          recorded.push({ ...event, position, version, actor: request.actor, occurredAt: request.occurredAt, metadata } as RecordedChatEvent);
          positions.push(position);
        }
        if (request.commandId) {
          inBatch.set(request.commandId, { actor: request.actor, positions });
          commands.push({ command_id: request.commandId, actor: request.actor, positions, created_at: request.occurredAt });
        }
        outcomes.push({ ok: true, value: { positions, duplicate: false } });
      }

      if (rows.length > 0) {
        for (const chunk of chunks(rows, 1000)) await tx.insertInto('events').values(chunk).execute();
        const touched = [...new Set(rows.map((r) => r.stream))].map((stream) => ({ stream, version: versions.get(stream)! }));
        await tx
          .insertInto('streams')
          .values(touched)
          .onConflict((oc) => oc.column('stream').doUpdateSet({ version: (eb) => eb.ref('excluded.version') }))
          .execute();
        if (commands.length > 0) await tx.insertInto('commands').values(commands).execute();
        await this.projector(tx, recorded);
      }
      return { outcomes, recorded };
    });
    if (recorded.length > 0) for (const listener of this.#listeners) listener(recorded);
    return outcomes;
  }

  async #seenCommands(tx: Transaction<Database>, requests: readonly AppendRequest[]) {
    const ids = requests.flatMap((r) => (r.commandId ? [r.commandId] : []));
    const seen = new Map<string, { actor: string | null; positions: number[] }>();
    if (ids.length === 0) return seen;
    const rows = await tx.selectFrom('commands').selectAll().where('command_id', 'in', ids).execute();
    for (const row of rows) seen.set(row.command_id, { actor: row.actor, positions: row.positions.map(Number) });
    return seen;
  }

  async #streamVersions(tx: Transaction<Database>, requests: readonly AppendRequest[]) {
    const streams = [...new Set(requests.flatMap((r) => r.events.map((e) => e.stream)))];
    const versions = new Map<string, number>();
    if (streams.length === 0) return versions;
    const rows = await tx.selectFrom('streams').selectAll().where('stream', 'in', streams).execute();
    for (const row of rows) versions.set(row.stream, row.version);
    return versions;
  }

  async #chainHead(tx: Transaction<Database>): Promise<{ position: number; hash: Buffer }> {
    const head = await tx.selectFrom('events').select(['position', 'hash']).orderBy('position', 'desc').limit(1).executeTakeFirst();
    return head ?? { position: 0, hash: GENESIS_HASH };
  }
}

/** Binds a ciphertext to where it belongs: moved to another stream, version or type, it fails to open. */
export function associatedData(stream: string, version: number, type: string): Buffer {
  return Buffer.from(`chatterlink/event/v1\0${stream}\0${version}\0${type}`, 'utf8');
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

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
