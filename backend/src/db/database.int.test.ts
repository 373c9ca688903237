import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import type { DatabaseHandle } from './database';

describeEachEngine('database', (engine) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await engine.open();
  });
  afterAll(async () => {
    await handle.close();
  });

  it('reads bigint as a number and bytea as a Buffer', async () => {
    const { rows } = await handle.db.executeQuery<{ n: number; b: Buffer }>(CompiledQuery.raw(`select 9007199254740991::int8 as n, '\\x0102'::bytea as b`));
    expect(rows).toEqual([{ n: 9007199254740991, b: Buffer.from([1, 2]) }]);
  });

  // The append sends its begin, lock and read as one simple query and needs the read's rows back.
  it('answers a query of several statements with the rows of its last one', async () => {
    const { rows } = await handle.db.executeQuery<{ answer: number }>(CompiledQuery.raw('select 1 as first; select 42 as answer'));
    expect(rows).toEqual([{ answer: 42 }]);
  });
});
