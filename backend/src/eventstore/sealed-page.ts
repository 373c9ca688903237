import { sql, type Kysely } from 'kysely';
import { copiedRows, copyOut, type CopyTarget } from '../db/copy-out';
import type { Database } from '../db/types';
import type { SealedRow } from './store';

/**
 * A page of the log as received: the position of its last row (undefined
 * for an empty page), known before its rows are parsed so that the next
 * page can be asked for first, and its rows.
 */
export interface SealedPage {
  readonly last: number | undefined;
  records(): SealedRecords;
}

/** A page's rows, whose nonces and ciphertexts are ranges of the page's bytes rather than a view each. */
export interface SealedRecords {
  readonly bytes: Buffer;
  readonly rows: readonly SealedRecord[];
}

/** A row of a page: a `SealedRow` with its nonce and ciphertext as ranges of the page's bytes. */
export type SealedRecord = Omit<SealedRow, 'nonce' | 'ciphertext'> & {
  readonly nonceAt: number;
  readonly nonceLength: number;
  readonly ciphertextAt: number;
  readonly ciphertextLength: number;
};

/** A page's row as a `SealedRow`, its nonce and ciphertext as views of the page's bytes. */
export function sealedRowOf(bytes: Buffer, record: SealedRecord): SealedRow {
  return {
    position: record.position,
    stream: record.stream,
    version: record.version,
    type: record.type,
    actor: record.actor,
    occurred_at: record.occurred_at,
    key_id: record.key_id,
    nonce: bytes.subarray(record.nonceAt, record.nonceAt + record.nonceLength),
    ciphertext: bytes.subarray(record.ciphertextAt, record.ciphertextAt + record.ciphertextLength),
    metadata: record.metadata,
  };
}

/**
 * The most ciphertext bytes one binary page holds (a page stops early
 * rather than exceed it): the page is one value, and must stay well under
 * Postgres's 1 GB per value whatever the events' sizes.
 */
const PAGE_CIPHERTEXT_BYTES = 64 * 1024 * 1024;

/** Milliseconds from the Unix epoch to Postgres's (2000-01-01), from which `timestamptz` counts in binary. */
const POSTGRES_EPOCH_MS = 946_684_800_000;

/**
 * Reads the rows after `after` (at most `limit`, in position order) with
 * only what decoding needs, as one value of length-prefixed records: the
 * driver parses one value per page instead of ten fields per row (node-pg's
 * per-row parsing and hex decoding cost about 4 µs of an event's replay;
 * PGlite parses in this thread, where the value also beat a JSON page of
 * the same rows), and the records are read here with Buffer reads. The
 * value comes as COPY's binary output (`copyOut`), bytes as they are:
 * encoding it as text (base64, as it once travelled) took Postgres more
 * CPU than building it, and decoding it took this process more than
 * receiving it. A record is position (int8), version (int4), occurred_at
 * (int8, microseconds since 2000 as `timestamptz` is sent), then stream,
 * type, actor (length -1 for null), key id, nonce, ciphertext and the
 * metadata's JSON text, each as an int4 byte length and its bytes (text as
 * `textsend` sends it, in the client encoding, UTF-8 on both engines). The
 * nonce and ciphertext stay ranges of the value (see `SealedRecords`). The
 * page may hold fewer than `limit` rows (see `PAGE_CIPHERTEXT_BYTES`),
 * never none while rows remain. Its rows are parsed when asked for, after
 * the replay has asked for the next page: a Postgres server then builds
 * that page while this process parses, decrypts and folds this one. The
 * page's bytes are gathered in `into` (see `copyOut`): they stay valid until
 * the next page read into it.
 */
export async function sealedBinaryPage(executor: Kysely<Database>, after: number, limit: number, into?: CopyTarget): Promise<SealedPage> {
  if (!Number.isSafeInteger(after) || !Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`sealedBinaryPage: after ${after}, limit ${limit}`);
  // No `order by` inside string_agg: Postgres 15 sorts an ordered aggregate's input again
  // (spilling a page to disk); the rows arrive in position order, which readRecords checks.
  const copy = await copyOut(
    executor,
    sql`select max(position), string_agg(int8send(position) || int4send(version) || timestamptz_send(occurred_at)
        || int4send(length(stream)) || stream || int4send(length(type)) || type
        || coalesce(int4send(length(actor)) || actor, int4send(-1)) || int4send(length(key_id)) || key_id
        || int4send(length(nonce)) || nonce || int4send(length(ciphertext)) || ciphertext
        || int4send(length(metadata)) || metadata, ''::bytea)
      from (
        select position, version, occurred_at, textsend(stream) as stream, textsend(type) as type, textsend(actor) as actor,
          textsend(key_id) as key_id, nonce, ciphertext, textsend(metadata::text) as metadata,
          sum(length(ciphertext)) over (order by position rows unbounded preceding) - length(ciphertext) as bytes_before
        from events where position > ${sql.lit(after)} order by position limit ${sql.lit(limit)}) as page
      where bytes_before < ${sql.lit(PAGE_CIPHERTEXT_BYTES)}`,
    into,
  );
  const [last, records] = copiedRows(copy)[0]!;
  return {
    last: last ? int64At(last, 0) : undefined,
    records: () => {
      const bytes = records ?? Buffer.alloc(0);
      return { bytes, rows: readRecords(bytes, after) };
    },
  };
}

/** Two halves, not readBigInt64BE: exact to 2^53 (positions; times to the year 2285) without a BigInt per field. */
const int64At = (bytes: Buffer, at: number) => bytes.readInt32BE(at) * 0x1_0000_0000 + bytes.readUInt32BE(at + 4);

/** The rows of a `sealedBinaryPage` value, checking that they follow `after` in position order. */
function readRecords(records: Buffer, after: number): SealedRecord[] {
  const page: SealedRecord[] = [];
  const texts = new RepeatedTexts(records);
  let at = 0;
  let last = after;
  while (at < records.length) {
    const position = int64At(records, at);
    const version = records.readInt32BE(at + 8);
    const micros = int64At(records, at + 12);
    at += 20;
    const stream = texts.read(STREAM, at);
    at += 4 + texts.length;
    const type = texts.read(TYPE, at);
    at += 4 + texts.length;
    let actor: string | null = null;
    if (records.readInt32BE(at) === -1) at += 4;
    else {
      actor = texts.read(ACTOR, at);
      at += 4 + texts.length;
    }
    const keyId = texts.read(KEY_ID, at);
    at += 4 + texts.length;
    const nonceAt = at + 4;
    const nonceLength = records.readInt32BE(at);
    const ciphertextAt = nonceAt + nonceLength + 4;
    const ciphertextLength = records.readInt32BE(ciphertextAt - 4);
    if (nonceLength < 0 || ciphertextLength < 0) throw new RangeError('sealedBinaryPage: a negative length');
    at = ciphertextAt + ciphertextLength;
    const metadata = JSON.parse(texts.read(METADATA, at)) as SealedRow['metadata'];
    at += 4 + texts.length;
    if (position <= last) throw new Error(`sealedBinaryPage: position ${position} after ${last}, out of order`);
    last = position;
    page.push({ position, stream, version, type, actor, occurred_at: new Date(Math.floor(micros / 1000) + POSTGRES_EPOCH_MS), key_id: keyId, nonceAt, nonceLength, ciphertextAt, ciphertextLength, metadata });
  }
  // Each read above throws past the end; this states the invariant the loop relies on: whole records only.
  if (at !== records.length) throw new RangeError('sealedBinaryPage: a record runs past the end of its value');
  return page;
}

const STREAM = 0;
const TYPE = 1;
const ACTOR = 2;
const KEY_ID = 3;
const METADATA = 4;

/**
 * Reads a record's length-prefixed texts as strings, reusing a field's last
 * string while its bytes repeat it (a page's rows mostly
 * share their type, key id and actor, and streams come in runs): comparing
 * a few dozen bytes costs less than decoding them and collecting the copy.
 */
class RepeatedTexts {
  /** The byte length of the text read last. */
  length = 0;
  readonly #starts = [-1, -1, -1, -1, -1];
  readonly #lengths = [-1, -1, -1, -1, -1];
  readonly #strings = ['', '', '', '', ''];

  constructor(readonly bytes: Buffer) {}

  /** The text whose int4 length is at `at`, as field `field`. */
  read(field: number, at: number): string {
    const { bytes } = this;
    const length = bytes.readInt32BE(at);
    const start = at + 4;
    if (length < 0 || start + length > bytes.length) throw new RangeError('sealedBinaryPage: a text runs past the end of its value');
    this.length = length;
    const previous = this.#starts[field]!;
    if (length === this.#lengths[field]) {
      let i = 0;
      while (i < length && bytes[start + i] === bytes[previous + i]) i++;
      if (i === length) return this.#strings[field]!;
    }
    const text = bytes.toString('utf8', start, start + length);
    this.#starts[field] = start;
    this.#lengths[field] = length;
    this.#strings[field] = text;
    return text;
  }
}
