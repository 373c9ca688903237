import { sql, type RawBuilder } from 'kysely';

/** A JSON text standing where a bind parameter would; `jsonConstant` writes it out. */
class JsonText {
  constructor(readonly text: string) {}
}

/**
 * A JSON value for the append's statements. It compiles to a placeholder
 * (`$n::json`) whose value is never sent as a bind parameter: the append
 * writes it out as a string constant (`jsonConstant`), either in place or as
 * an argument of `EXECUTE`, so its statements and their COMMIT can travel as
 * one simple query (one round trip) and the statement text stays the same
 * from batch to batch (it can be prepared once).
 */
export function jsonLiteral(value: unknown): RawBuilder<unknown> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('jsonLiteral: the value has no JSON form');
  return sql`${new JsonText(text)}::json`;
}

/**
 * `any(…)` of the strings `values`, as a `jsonLiteral` list: what the
 * append's statements compare a column with (`id = ${oneOf(ids)}`).
 */
export function oneOf(values: readonly string[]): RawBuilder<unknown> {
  return sql`any(array(select json_array_elements_text(${jsonLiteral(values)})))`;
}

/**
 * The escaped string constant (`E'…'`) of a `jsonLiteral` placeholder's
 * value; refuses any other bind parameter.
 */
export function jsonConstant(parameter: unknown): string {
  if (!(parameter instanceof JsonText)) throw new TypeError('jsonConstant: only jsonLiteral values may stand for bind parameters');
  return stringConstant(parameter.text);
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
