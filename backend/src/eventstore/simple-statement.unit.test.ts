import { Kysely, PostgresDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/types';
import { jsonLiteral } from './json-literal';
import { PREPARED_PREFIX, SimpleStatement } from './simple-statement';

const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: {} as never }) });
const statement = (ids: unknown, names: unknown) =>
  SimpleStatement.compile(sql`select ${jsonLiteral(ids)} as ids, ${jsonLiteral(names)} as names`, db);

describe('SimpleStatement', () => {
  it('puts each constant in place of its placeholder, without scanning a constant again', () => {
    expect(statement(['$2'], 'it\'s').inlined()).toBe(`select E'["$2"]'::json as ids, E'"it''s"'::json as names`);
  });

  it('names the text, not the constants: one name for every batch of the same shape', () => {
    const name = statement([1], 'a').name;
    expect(name.startsWith(PREPARED_PREFIX)).toBe(true);
    expect(statement([2, 3], 'b').name).toBe(name);
    expect(SimpleStatement.compile(sql`select ${jsonLiteral([1])} as other`, db).name).not.toBe(name);
  });

  it('executes where prepared, prepares first where not, and inlines once the session holds as many as it may', () => {
    const s = statement([1], 'a');
    const execute = `execute ${s.name}(E'[1]', E'"a"')`;
    expect(s.runIn([s.name])).toEqual([execute]);
    expect(s.runIn([])).toEqual([`prepare ${s.name} as select $1::json as ids, $2::json as names`, execute]);
    const full = Array.from({ length: 32 }, (_, i) => `${PREPARED_PREFIX}${i}`);
    expect(s.runIn(full)).toEqual([s.inlined()]);
  });

  it('refuses a bind parameter that is not a jsonLiteral', () => {
    expect(() => SimpleStatement.compile(sql`select ${'text'}`, db)).toThrow(TypeError);
  });
});
