import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { jsonLiteral } from './json-literal';

const compile = (value: unknown) => jsonLiteral(value).compile(new Kysely<never>({ dialect: new PostgresDialect({ pool: {} as never }) }));

describe('jsonLiteral', () => {
  it('inlines the value with no bind parameter', () => {
    const compiled: CompiledQuery = compile({ a: [1, 'b'] });
    expect(compiled.parameters).toEqual([]);
    expect(compiled.sql).toBe(`E'{"a":[1,"b"]}'::json`);
  });

  it('escapes quotes and backslashes so no value can end the constant', () => {
    expect(compile({ s: `it's \\' -- "q"` }).sql).toBe(`E'{"s":"it''s \\\\\\\\'' -- \\\\"q\\\\""}'::json`);
  });

  it('refuses a value without a JSON form', () => {
    expect(() => jsonLiteral(undefined)).toThrow(TypeError);
  });
});
