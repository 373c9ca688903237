import { Kysely, PostgresDialect, sql, type RawBuilder } from 'kysely';
import { describe, expect, it } from 'vitest';
import { anyOf, buildParts, stringConstant, toJson, type ShapedSql } from './shaped-sql';

const db = new Kysely<never>({ dialect: new PostgresDialect({ pool: {} as never }) });
const text = (query: RawBuilder<unknown>) => query.compile(db).sql;

describe('shaped SQL', () => {
  it('writes values as JSON text and refuses a value without a JSON form', () => {
    expect(toJson({ a: [1, 'b'] })).toBe('{"a":[1,"b"]}');
    expect(() => toJson(undefined)).toThrow(TypeError);
  });

  it('escapes quotes and backslashes so no value can end the constant', () => {
    expect(stringConstant(toJson({ s: `it's \\' -- "q"` }))).toBe(`E'{"s":"it''s \\\\\\\\'' -- \\\\"q\\\\""}'`);
    expect(stringConstant('plain')).toBe(`E'plain'`);
  });

  it('builds each part from its own run of slots', () => {
    const part = (name: string, count: number): ShapedSql => ({
      key: name,
      values: Array.from({ length: count }, () => '[]'),
      build: (slots) => sql`${sql.raw(name)}(${sql.join(slots)})`,
    });
    const slots = ['a', 'b', 'c'].map((s) => sql.raw(s));
    expect(buildParts([part('f', 2), part('g', 0), part('h', 1)], slots).map(text)).toEqual(['f(a, b)', 'g()', 'h(c)']);
  });

  it('compares with the strings of a JSON array', () => {
    expect(text(sql`id = ${anyOf(sql.raw(`'["x"]'::json`))}`)).toBe(`id = any(array(select json_array_elements_text('["x"]'::json)))`);
  });
});
