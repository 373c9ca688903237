import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import { stringConstant, type ShapedSql } from './shaped-sql';

/** What Postgres answers an `EXECUTE` of a name this session has not prepared. */
export const UNKNOWN_STATEMENT = '26000';

/**
 * What the append's transaction runs before its statements execute. Postgres
 * switches a prepared statement to a generic plan, made once and kept; made
 * while a table was small, it scanned the whole table on every batch as the
 * table grew (a read went from 0.4 to 4 ms at 3,000 messages). Every lookup
 * of the append is by primary key, so its plans are made without sequential
 * scans, which stay right at any size. Local: it ends with the transaction.
 */
export const INDEXED_PLANS = 'set local enable_seqscan = off';

/** What the names of the statements the append prepares start with. */
export const PREPARED_PREFIX = 'append_';

/**
 * Write statements one session prepares at most: their shapes are few (which
 * projections a batch changes, and how), but a bound keeps an unforeseen
 * variety from growing every connection's memory on the server. Reads have
 * one shape per set of projections a batch may touch.
 */
const MAX_PREPARED = 32;

/** Keys `StatementShapes` keeps the text of at most: beyond, a statement is compiled every time (a variety not foreseen). */
const MAX_SHAPES = 512;

/** The text of a shape: `$n` placeholders, which slot each stands for, and the name it is prepared under. */
interface CompiledShape {
  readonly template: string;
  readonly slots: readonly number[];
  readonly name: string;
}

/** Where a `ShapedSql` value goes: compiles to a placeholder, and says which slot it stands for. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * Makes the append's `SimpleStatement`s, compiling the text of each
 * `ShapedSql` key once and only writing out the values of later ones.
 */
export class StatementShapes {
  readonly #compiled = new Map<string, CompiledShape>();

  /** `db` only lends its dialect's compiler; nothing runs on it. */
  constructor(private readonly db: Kysely<Database>) {}

  /** `shape` as a statement: its key's text, with its values as the constants. */
  statement(shape: ShapedSql): SimpleStatement {
    const compiled = this.#compiled.get(shape.key) ?? this.#compile(shape);
    return new SimpleStatement(compiled.template, compiled.name, compiled.slots.map((slot) => stringConstant(shape.values[slot]!)));
  }

  /** Throws if the shape's SQL has a bind parameter that is not one of its slots. */
  #compile(shape: ShapedSql): CompiledShape {
    const query = shape.build(shape.values.map((_, i) => sql`${new Slot(i)}::json`)).compile(this.db);
    const slots = query.parameters.map((parameter) => {
      if (!(parameter instanceof Slot)) throw new TypeError(`StatementShapes: ${shape.key} has a bind parameter that is not a slot`);
      return parameter.index;
    });
    const compiled = { template: query.sql, slots, name: `${PREPARED_PREFIX}${createHash('sha1').update(query.sql).digest('hex').slice(0, 24)}` };
    if (this.#compiled.size < MAX_SHAPES) this.#compiled.set(shape.key, compiled);
    return compiled;
  }
}

/**
 * A statement of the append, for a simple query (where bind parameters
 * cannot go): its text with a `$n` placeholder for each value, and the
 * string constants those stand for. The text is the same from batch to
 * batch, so it can be prepared once per session and executed with the
 * constants as arguments: Postgres then no longer parses, analyses and plans
 * it for every batch (its CPU per batch fell by 12 % at 64 events and by
 * 42 % at one).
 */
export class SimpleStatement {
  /**
   * @param template the text, with `$n` for the n-th constant
   * @param name what the text is prepared under: the same text, the same name, in every session
   */
  constructor(
    readonly template: string,
    readonly name: string,
    readonly constants: readonly string[],
  ) {}

  /**
   * The text with each constant in place of its placeholder. The compiler
   * writes `$n` only for parameters (the append's SQL has no `$` of its own),
   * and a constant put in place is not scanned again.
   */
  inlined(): string {
    return this.template.replace(/\$(\d+)/g, (_, n: string) => this.constants[Number(n) - 1]!);
  }

  /**
   * What runs this statement in a session that has already prepared
   * `prepared` (names starting with `PREPARED_PREFIX`): `EXECUTE`, preceded
   * by its `PREPARE` the first time, or the inlined text once the session
   * holds as many as it may.
   */
  runIn(prepared: readonly string[]): string[] {
    if (prepared.includes(this.name)) return [this.execute()];
    if (prepared.length >= MAX_PREPARED) return [this.inlined()];
    return [this.prepare(), this.execute()];
  }

  /** Prepares the text under its name in this session (an error if it already is). */
  prepare(): string {
    return `prepare ${this.name} as ${this.template}`;
  }

  /** Runs the prepared text with the constants (an error, `UNKNOWN_STATEMENT`, if this session has not prepared it). */
  execute(): string {
    return `execute ${this.name}(${this.constants.join(', ')})`;
  }
}
