import { Kysely, PostgresDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/types';
import { toJson, type ShapedSql } from './shaped-sql';
import { PREPARED_PREFIX, StatementShapes } from './simple-statement';

const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: {} as never }) });
const idsAndNames = (ids: unknown, names: unknown): ShapedSql => ({
  key: 'ids and names',
  values: [toJson(ids), toJson(names)],
  build: ([i, n]) => sql`select ${i} as ids, ${n} as names`,
});

describe('StatementShapes', () => {
  it('puts each constant in place of its placeholder, without scanning a constant again', () => {
    const shapes = new StatementShapes(db);
    expect(shapes.statement(idsAndNames(['$2'], "it's")).inlined()).toBe(`select E'["$2"]'::json as ids, E'"it''s"'::json as names`);
  });

  it('builds the text of a key once, and names the text, not the constants', () => {
    const shapes = new StatementShapes(db);
    let builds = 0;
    const counted = (ids: unknown): ShapedSql => {
      const shape = idsAndNames(ids, 'a');
      return { ...shape, build: (slots) => (builds++, shape.build(slots)) };
    };
    const first = shapes.statement(counted([1]));
    const second = shapes.statement(counted([2, 3]));
    expect(builds).toBe(1);
    expect(first.name.startsWith(PREPARED_PREFIX)).toBe(true);
    expect(second.name).toBe(first.name);
    expect(second.constants).toEqual([`E'[2,3]'`, `E'"a"'`]);
    const other = shapes.statement({ key: 'other', values: ['[1]'], build: ([v]) => sql`select ${v} as other` });
    expect(other.name).not.toBe(first.name);
  });

  it('keeps the texts of 512 keys, and compiles a statement of any further key every time', () => {
    const shapes = new StatementShapes(db);
    let builds = 0;
    const keyed = (key: string): ShapedSql => ({ key, values: ['1'], build: ([v]) => (builds++, sql`select ${v} as ${sql.id(key)}`) });
    for (let i = 0; i < 512; i++) shapes.statement(keyed(`k${i}`));
    shapes.statement(keyed('k0'));
    expect(builds).toBe(512);
    expect(shapes.statement(keyed('more')).template).toBe('select $1::json as "more"');
    shapes.statement(keyed('more'));
    expect(builds).toBe(514);
  });

  it('gives a slot used twice its constant twice, and one left out none', () => {
    const shapes = new StatementShapes(db);
    const s = shapes.statement({ key: 'twice', values: ['1', '2'], build: ([a]) => sql`select ${a} ->> 0, ${a} ->> 1` });
    expect(s.template).toBe('select $1::json ->> 0, $2::json ->> 1');
    expect(s.constants).toEqual([`E'1'`, `E'1'`]);
  });

  it('executes where prepared, prepares first where not, and inlines once the session holds as many as it may', () => {
    const s = new StatementShapes(db).statement(idsAndNames([1], 'a'));
    const execute = `execute ${s.name}(E'[1]', E'"a"')`;
    expect(s.runIn([s.name])).toEqual([execute]);
    expect(s.runIn([])).toEqual([`prepare ${s.name} as select $1::json as ids, $2::json as names`, execute]);
    const full = Array.from({ length: 32 }, (_, i) => `${PREPARED_PREFIX}${i}`);
    expect(s.runIn(full)).toEqual([s.inlined()]);
  });

  it('refuses a bind parameter that is not a slot', () => {
    expect(() => new StatementShapes(db).statement({ key: 'bound', values: [], build: () => sql`select ${'text'}` })).toThrow(TypeError);
  });
});
