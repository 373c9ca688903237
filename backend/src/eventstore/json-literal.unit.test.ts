import { Kysely, PostgresDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { jsonConstant, jsonLiteral } from './json-literal';

const compile = (value: unknown) => jsonLiteral(value).compile(new Kysely<never>({ dialect: new PostgresDialect({ pool: {} as never }) }));

describe('jsonLiteral', () => {
  it('compiles to a json placeholder whose constant is the value', () => {
    const compiled = compile({ a: [1, 'b'] });
    expect(compiled.sql).toBe('$1::json');
    expect(compiled.parameters.map(jsonConstant)).toEqual([`E'{"a":[1,"b"]}'`]);
  });

  it('escapes quotes and backslashes so no value can end the constant', () => {
    expect(jsonConstant(compile({ s: `it's \\' -- "q"` }).parameters[0])).toBe(`E'{"s":"it''s \\\\\\\\'' -- \\\\"q\\\\""}'`);
  });

  it('refuses a value without a JSON form', () => {
    expect(() => jsonLiteral(undefined)).toThrow(TypeError);
  });

  it('refuses to write out a bind parameter that is not a jsonLiteral', () => {
    expect(() => jsonConstant('{}')).toThrow(TypeError);
  });
});
