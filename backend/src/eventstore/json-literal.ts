import { sql, type RawBuilder } from 'kysely';

/**
 * A JSON value inlined into SQL as an escaped string constant (`E'…'::json`)
 * instead of a bind parameter. The append's write statement carries no
 * parameters so that it and its COMMIT can travel as one simple query (one
 * round trip). In an `E''` constant only the backslash and the quote are
 * special, and both are escaped, whatever `standard_conforming_strings` says.
 */
export function jsonLiteral(value: unknown): RawBuilder<unknown> {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('jsonLiteral: the value has no JSON form');
  const escaped = /[\\']/.test(text) ? text.replace(/\\/g, '\\\\').replace(/'/g, "''") : text;
  return sql.raw(`E'${escaped}'::json`);
}
