import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { copiedRows, copyOut, CopyTarget } from './copy-out';
import type { DatabaseHandle } from './database';

/** The fields of each row of COPY's binary output, as hex (null for NULL). */
const fieldsOf = (copy: Buffer) => copiedRows(copy).map((row) => row.map((field) => field?.toString('hex') ?? null));

describeEachEngine('copyOut', (engine) => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await engine.open();
  });
  afterAll(async () => handle?.close());

  it('answers the rows of a query in COPY binary format, inside the caller\'s transaction', async () => {
    const rolledBack = new Error('rolled back');
    const inTransaction = handle.db.transaction().execute(async (tx) => {
      await sql`create table copied (n int8, t text, b bytea)`.execute(tx);
      // More than one read buffer of rows: the data arrives in many messages, each copied before the driver reuses its buffer.
      await sql`insert into copied select g, 'ü' || g, decode(repeat('ab', 300), 'hex') from generate_series(1, 3000) g`.execute(tx);
      await sql`insert into copied values (3001, null, ''::bytea)`.execute(tx);
      const rows = fieldsOf(await copyOut(tx, sql`select n, t, b from copied order by n`));
      expect(rows).toHaveLength(3001);
      expect(rows[0]).toEqual(['0000000000000001', Buffer.from('ü1').toString('hex'), 'ab'.repeat(300)]);
      expect(rows[2999]![1]).toBe(Buffer.from('ü3000').toString('hex'));
      expect(rows[3000]).toEqual(['0000000000000bb9', null, '']);
      throw rolledBack;
    });
    await expect(inTransaction).rejects.toBe(rolledBack);
  });

  it('answers an empty result as a header and a trailer', async () => {
    expect(fieldsOf(await copyOut(handle.db, sql`select 1 where false`))).toEqual([]);
  });

  it('gathers the output in the target it is given, growing it only when an output does not fit', async () => {
    const target = new CopyTarget();
    const large = await copyOut(handle.db, sql`select repeat('x', 200000)`, target);
    expect(fieldsOf(large)[0]![0]).toBe(Buffer.from('x'.repeat(200000)).toString('hex'));
    const grown = target.buffer;
    // Overwrites what `large` views, on Postgres.
    const small = await copyOut(handle.db, sql`select 'y'`, target);
    expect(fieldsOf(small)).toEqual([[Buffer.from('y').toString('hex')]]);
    expect(target.buffer).toBe(grown);
    // Postgres writes into the target; PGlite hands over a blob of its own and leaves the target alone.
    if (engine.name === 'postgres') {
      expect(grown.length).toBeGreaterThanOrEqual(large.length);
      expect(small.buffer).toBe(grown.buffer);
    }
  });

  it('refuses a query with bind parameters before sending it, and reports a failing one, leaving the connection usable', async () => {
    await handle.db.connection().execute(async (connection) => {
      await expect(copyOut(connection, sql`select ${1}::int`)).rejects.toThrow(/no bind parameters/);
      // Fails on the server after some rows were sent.
      await expect(copyOut(connection, sql`select 1 / (g - 3) from generate_series(1, 5) g`)).rejects.toThrow(/division by zero/);
      expect(fieldsOf(await copyOut(connection, sql`select ${sql.lit(7)}::int2`))).toEqual([['0007']]);
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(connection);
      expect(rows).toEqual([{ ok: 1 }]);
    });
  });
});
