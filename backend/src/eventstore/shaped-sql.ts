import { sql, type RawBuilder } from 'kysely';

/**
 * SQL of the append whose text depends only on `key`, with JSON values in
 * its slots. The append makes one per statement and batch, and the text of
 * a key is built and compiled once (`StatementShapes`): building the same
 * text again with Kysely for every batch was about a third of the server's
 * JavaScript per send, and more than a third of what it allocated.
 */
export interface ShapedSql {
  /** Names everything the text depends on: two `ShapedSql`s with one key build one text. */
  readonly key: string;
  /** JSON texts, one per slot, in slot order. */
  readonly values: readonly string[];
  /** The SQL, with `slots[i]` (a `json` expression) standing for `values[i]`; run once per key. */
  build(slots: readonly RawBuilder<unknown>[]): RawBuilder<unknown>;
}

/** `value`'s JSON text (a `ShapedSql` value); refuses a value without one. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('toJson: the value has no JSON form');
  return text;
}

/** Builds each of `parts` from its own run of `slots`, the runs following one another in order. */
export function buildParts(parts: readonly ShapedSql[], slots: readonly RawBuilder<unknown>[]): RawBuilder<unknown>[] {
  let at = 0;
  return parts.map((part) => part.build(slots.slice(at, (at += part.values.length))));
}

/** `any(…)` of the strings of the JSON array `list`: what the append compares a column with (`id = ${anyOf(ids)}`). */
export function anyOf(list: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`any(array(select json_array_elements_text(${list})))`;
}

/**
 * `text` as an escaped string constant (`E'…'`). In an `E''` constant only
 * the backslash and the quote are special, and both are escaped, whatever
 * `standard_conforming_strings` says.
 */
export function stringConstant(text: string): string {
  // Two searches for one character each are several times faster than one character class over the whole text.
  const escaped = text.includes('\\') || text.includes("'") ? text.replace(/\\/g, '\\\\').replace(/'/g, "''") : text;
  return `E'${escaped}'`;
}
