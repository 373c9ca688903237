import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import type { DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/types';
import { rewriteTables } from './rewrite';

/** Enough rows for the table's indexes to be dropped and rebuilt around the load. */
const ROWS = 25_000;

const reaction = (i: number) => ({
  id: `m${i}:u:👍`,
  message_id: `m${i}`,
  room_id: `r${i % 7}`,
  user_id: 'u',
  emoji: i % 2 ? '👍' : "it's \"quoted\" \\ and\nmultiline",
  position: i,
});

const indexes = (db: Kysely<Database>) =>
  sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = 'reactions' order by indexname`.execute(db).then((r) => r.rows);

describeEachEngine('rewriteTables', (engine) => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await engine.open();
    await migrateToLatest(database.db);
  });
  afterAll(async () => database?.close());

  it('replaces a big table whole, values exact, with the same indexes and constraints as before', async () => {
    const { db } = database;
    const before = await indexes(db);
    const rows = Array.from({ length: ROWS }, (_, i) => reaction(i));
    await db.transaction().execute((tx) => rewriteTables(tx, [{ table: 'reactions', rows }]));
    expect(await indexes(db)).toEqual(before);
    const stored = await db.selectFrom('reactions').selectAll().orderBy('position').execute();
    expect(stored).toEqual(rows);
  });

  it('writes times exact to the millisecond, also those too far from 1970 to travel as epoch milliseconds', async () => {
    const { db } = database;
    const message = (id: string, sent: Date, edited: Date | null) => ({
      id,
      room_id: 'r',
      author_id: 'u',
      position: 1,
      body_position: 1,
      sent_at: sent,
      edited_at: edited,
      deleted: false,
    });
    const near = [
      message('a', new Date(Date.UTC(2026, 10, 26, 14, 30, 0, 123)), null),
      message('b', new Date(-1), new Date(Date.UTC(2255, 0, 1, 0, 0, 0, 999))),
    ];
    const far = [message('c', new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(1000, 0, 1, 0, 0, 0, 1)))];
    for (const rows of [near, far]) {
      await db.transaction().execute((tx) => rewriteTables(tx, [{ table: 'messages', rows }]));
      expect(await db.selectFrom('messages').selectAll().orderBy('id').execute()).toEqual(rows);
    }
  });

  it('fails whole, leaving the old contents and indexes, when the new rows break a constraint', async () => {
    const { db } = database;
    const before = await indexes(db);
    const rows = Array.from({ length: ROWS }, (_, i) => reaction(i % (ROWS - 1)));
    await expect(db.transaction().execute((tx) => rewriteTables(tx, [{ table: 'reactions', rows }]))).rejects.toThrow(/unique|duplicate/i);
    expect(await indexes(db)).toEqual(before);
    expect(Number((await sql<{ n: string }>`select count(*) as n from reactions`.execute(db)).rows[0]!.n)).toBe(ROWS);
  });
});
