import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import type { Database } from './types';

/** How every statement `copyOut` sends ends: what lets each engine's connection recognise one. */
const COPY_OUT_END = ') to stdout (format binary)';

/** The row a `copyOut` statement answers with: COPY's whole output. */
export interface CopiedRows {
  readonly copy: Buffer;
}

/**
 * A buffer `copyOut` gathers output in, reused from one copy to the next
 * and replaced by a larger one when an output does not fit. A reader of
 * many large outputs saves Node that many large allocations: each counts
 * as external memory, and a few hundred megabytes of them set off
 * collections of the whole heap (57 against 20 over a replay of a million
 * events, a third more CPU).
 */
export class CopyTarget {
  buffer = Buffer.allocUnsafe(1 << 16);
}

/**
 * The rows of `select` in COPY's binary format (a header, each row as a
 * field count and its fields in their types' binary send formats, a
 * trailer), as one buffer, on either engine and inside whatever transaction
 * `executor` holds. Postgres builds that output with no expression per row
 * and no text encoding of bytes, several times cheaper than aggregating
 * the rows into one value. COPY takes no bind parameters: `select` must
 * inline its values (`sql.lit`), and one that does not is refused here.
 * On Postgres the output is gathered in `into` (see `CopyTarget`), and the
 * answer is a view of it, valid until `into` is used again.
 */
export async function copyOut(executor: Kysely<Database>, select: RawBuilder<unknown>, into = new CopyTarget()): Promise<Buffer> {
  const compiled = sql<CopiedRows>`copy (${select}${sql.raw(COPY_OUT_END)}`.compile(executor);
  if (compiled.parameters.length > 0) throw new TypeError('copyOut: COPY takes no bind parameters; inline the values with sql.lit');
  // The target travels to the connection in the place of the parameters, which COPY has none of; the connection takes it instead of sending it.
  const { rows } = await executor.executeQuery<CopiedRows>({ ...compiled, parameters: [into] });
  return rows[0]!.copy;
}

/** What COPY's binary output starts with, before its flags and header extension. */
const COPY_SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * The rows of COPY's binary output, each as its fields' bytes in their
 * types' binary send formats (views of `copy`; null for NULL). Throws on
 * anything but whole rows between the header and the trailer.
 */
export function copiedRows(copy: Buffer): (Buffer | null)[][] {
  if (copy.length < 19 || !copy.subarray(0, COPY_SIGNATURE.length).equals(COPY_SIGNATURE)) throw new RangeError('copiedRows: not COPY binary output');
  if (copy.readInt32BE(11) !== 0) throw new RangeError('copiedRows: COPY output with flags (OIDs) set');
  let at = 19 + copy.readInt32BE(15);
  const rows: (Buffer | null)[][] = [];
  for (let count = copy.readInt16BE(at); count !== -1; count = copy.readInt16BE(at)) {
    at += 2;
    const row: (Buffer | null)[] = [];
    for (let i = 0; i < count; i++) {
      const length = copy.readInt32BE(at);
      at += 4;
      if (length < -1 || at + length > copy.length) throw new RangeError('copiedRows: a field runs past the end of the output');
      row.push(length === -1 ? null : copy.subarray(at, at + length));
      at += Math.max(length, 0);
    }
    rows.push(row);
  }
  if (at + 2 !== copy.length) throw new RangeError('copiedRows: bytes after the trailer');
  return rows;
}

/** Whether `text` is a statement `copyOut` sent (the connection must then answer `CopiedRows`, gathered in the `CopyTarget` that came as its parameter). */
export const isCopyOut = (text: string): boolean => text.startsWith('copy (') && text.endsWith(COPY_OUT_END);

/** PGlite writes COPY's output to a blob it returns rather than to the client: the same statement, aimed there. */
export const copyOutToBlob = (text: string): string => `${text.slice(0, -COPY_OUT_END.length)}) to '/dev/blob' (format binary)`;

/**
 * Runs a `copyOut` statement on a node-pg client: node-pg hands COPY's data
 * messages to the query in flight and keeps none itself, so this query
 * gathers them in `into`. Each message is a view of the driver's read
 * buffer, which the driver reuses, so it is copied at once.
 */
export function copyOutOn(client: pg.ClientBase, text: string, into: CopyTarget): Promise<{ rows: CopiedRows[] }> {
  return new Promise((resolve, reject) => client.query(new CopyOutQuery(text, into, resolve, reject)));
}

/** A node-pg submittable: a simple query whose answer is COPY data. */
class CopyOutQuery implements pg.Submittable {
  #length = 0;

  constructor(
    readonly text: string,
    private readonly into: CopyTarget,
    private readonly resolve: (result: { rows: CopiedRows[] }) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  submit(connection: pg.Connection): void {
    connection.query(this.text);
  }

  handleCopyData({ chunk }: { chunk: Buffer }): void {
    const { into } = this;
    if (this.#length + chunk.length > into.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(into.buffer.length * 2, this.#length + chunk.length));
      into.buffer.copy(grown, 0, 0, this.#length);
      into.buffer = grown;
    }
    chunk.copy(into.buffer, this.#length);
    this.#length += chunk.length;
  }

  /** node-pg stops routing to a query that failed (no ReadyForQuery follows for it): it settles here. */
  handleError(error: Error): void {
    this.reject(error);
  }

  handleReadyForQuery(): void {
    this.resolve({ rows: [{ copy: this.into.buffer.subarray(0, this.#length) }] });
  }

  /** COPY's CommandComplete (`COPY n`) carries nothing the output does not. */
  handleCommandComplete(): void {}

  // COPY answers none of these; they are here so that a server answering otherwise meets no missing method in node-pg's dispatch.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
}
