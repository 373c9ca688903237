import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import type { DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Database, ProjectionTable } from '../db/types';
import { TableRewrite } from './rewrite';

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

/** Replaces `table` with `rows` in one load. */
async function rewriteTable(tx: Transaction<Database>, table: ProjectionTable, rows: readonly { id: string }[]): Promise<void> {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const rewrite = await TableRewrite.begin(tx, [table]);
  await rewrite.load([{ table, changed: new Map([...byId.keys()].map((id) => [id, false])), rows: byId }]);
  await rewrite.finish([{ table, rows: byId }]);
}

const indexes = (db: Kysely<Database>, table: ProjectionTable = 'reactions') =>
  sql<{ indexdef: string }>`select indexdef from pg_indexes where tablename = ${table} order by indexname`.execute(db).then((r) => r.rows);

describeEachEngine('TableRewrite', (engine) => {
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
    await db.transaction().execute((tx) => rewriteTable(tx, 'reactions', rows));
    expect(await indexes(db)).toEqual(before);
    const stored = await db.selectFrom('reactions').selectAll().orderBy('position').execute();
    expect(stored).toEqual(rows);
  });

  it('keeps the owner and the privileges granted on the old table, and leaves the new one analysed', async () => {
    const { db } = database;
    const suffix = randomUUID().slice(0, 8);
    const [owner, reader] = [`rewrite_owner_${suffix}`, `rewrite_reader_${suffix}`];
    await sql`create role ${sql.id(owner)}`.execute(db);
    await sql`create role ${sql.id(reader)}`.execute(db);
    try {
      await sql`alter table reactions owner to ${sql.id(owner)}`.execute(db);
      await sql`grant select on reactions to ${sql.id(reader)}`.execute(db);
      await sql`grant update on reactions to ${sql.id(reader)} with grant option`.execute(db);
      const privileges = () =>
        sql<{ owner: string; select: boolean; update: boolean; grantUpdate: boolean; insert: boolean; statistics: number }>`
          select pg_get_userbyid(relowner) as owner,
            has_table_privilege(${reader}, 'reactions', 'select') as select,
            has_table_privilege(${reader}, 'reactions', 'update') as update,
            has_table_privilege(${reader}, 'reactions', 'update with grant option') as "grantUpdate",
            has_table_privilege(${reader}, 'reactions', 'insert') as insert,
            (select count(*)::int from pg_stats where schemaname = current_schema() and tablename = 'reactions') as statistics
          from pg_class where oid = 'reactions'::regclass`.execute(db).then((r) => r.rows[0]!);
      expect(await privileges()).toMatchObject({ owner, select: true, update: true, grantUpdate: true, insert: false });

      await db.transaction().execute((tx) => rewriteTable(tx, 'reactions', [reaction(1), reaction(2), reaction(3)]));
      const after = await privileges();
      expect(after).toMatchObject({ owner, select: true, update: true, grantUpdate: true, insert: false });
      // One row of statistics per column, made by the rewrite's ANALYZE.
      expect(after.statistics).toBeGreaterThanOrEqual(Object.keys(reaction(1)).length);
    } finally {
      await sql`alter table reactions owner to current_user`.execute(db);
      for (const role of [reader, owner]) {
        await sql`drop owned by ${sql.id(role)}`.execute(db);
        await sql`drop role ${sql.id(role)}`.execute(db);
      }
    }
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
      await db.transaction().execute((tx) => rewriteTable(tx, 'messages', rows));
      expect(await db.selectFrom('messages').selectAll().orderBy('id').execute()).toEqual(rows);
    }
  });

  it('fails whole, leaving the old contents and indexes, when the new rows break a unique constraint', async () => {
    const { db } = database;
    const before = await indexes(db, 'users');
    const kept = await db.selectFrom('users').selectAll().execute();
    const user = (i: number) => ({
      id: `u${i}`,
      username: `User${i}`,
      username_lower: `user${i}`,
      password_hash: 'x',
      is_admin: false,
      created_at: new Date(Date.UTC(2026, 0, 1)),
    });
    // Distinct ids, but the last two share a username: only the rebuilt unique index can tell.
    const rows = Array.from({ length: ROWS }, (_, i) => user(i));
    rows.push({ ...user(ROWS), username_lower: 'user0' });
    await expect(db.transaction().execute((tx) => rewriteTable(tx, 'users', rows))).rejects.toThrow(/unique|duplicate/i);
    expect(await indexes(db, 'users')).toEqual(before);
    expect(await db.selectFrom('users').selectAll().execute()).toEqual(kept);
  });

  it('rewrites rows that changed or went away after their load, and leaves the others as loaded', async () => {
    const { db } = database;
    const before = await indexes(db);
    const rows = new Map<string, ReturnType<typeof reaction>>();
    const put = (i: number, emoji = '👍') => rows.set(`m${i}:u:👍`, { ...reaction(i), emoji });
    await db.transaction().execute(async (tx) => {
      const rewrite = await TableRewrite.begin(tx, ['reactions']);
      // Each load names the ids changed since the previous one, with whether their row existed then.
      const load = (changed: [number, boolean][]) =>
        rewrite.load([{ table: 'reactions', changed: new Map(changed.map(([i, existed]) => [`m${i}:u:👍`, existed])), rows }]);
      // First: 0..ROWS-1 are new; 5 is made and gone again before it is loaded.
      for (let i = 0; i < ROWS; i++) put(i);
      rows.delete('m5:u:👍');
      // Each answers the ids it inserts.
      expect(await load(Array.from({ length: ROWS }, (_, i) => [i, false]))).toEqual([
        Array.from({ length: ROWS }, (_, i) => `m${i}:u:👍`).filter((id) => id !== 'm5:u:👍'),
      ]);
      // Second: 1 changes, 2 goes away, ROWS is new.
      put(1, '🎉');
      rows.delete('m2:u:👍');
      put(ROWS);
      expect(
        await load([
          [1, true],
          [2, true],
          [ROWS, false],
        ]),
      ).toEqual([[`m${ROWS}:u:👍`]]);
      // Third: 1 changes again, 2 comes back (new since the second load, so loaded again beside its first copy).
      put(1, '🚀');
      put(2, '👀');
      expect(
        await load([
          [1, true],
          [2, false],
        ]),
      ).toEqual([['m2:u:👍']]);
      await rewrite.finish([{ table: 'reactions', rows }]);
    });
    expect(await indexes(db)).toEqual(before);
    const stored = await db.selectFrom('reactions').selectAll().orderBy('position').execute();
    expect(stored).toEqual([...rows.values()].sort((a, b) => a.position - b.position));
    expect(stored.find((r) => r.position === 1)!.emoji).toBe('🚀');
    expect(stored.find((r) => r.position === 2)!.emoji).toBe('👀');
    expect(stored.some((r) => r.position === 5)).toBe(false);
  });

  // PGlite is one connection: a reader outside the transaction waits for it.
  it.skipIf(engine.name === 'pglite')('lets other sessions read the old contents until the new tables take their place', async () => {
    const { db } = database;
    const old = [reaction(1), reaction(2)];
    await db.transaction().execute((tx) => rewriteTable(tx, 'reactions', old));
    const fresh = new Map([['n', { ...reaction(3), id: 'n' }]]);
    let during: unknown;
    await db.transaction().execute(async (tx) => {
      const rewrite = await TableRewrite.begin(tx, ['reactions']);
      await rewrite.load([{ table: 'reactions', changed: new Map([['n', false]]), rows: fresh }]);
      await rewrite.settled();
      // Another pooled connection, while the new rows are loaded.
      during = await db.selectFrom('reactions').selectAll().orderBy('position').execute();
      await rewrite.finish([{ table: 'reactions', rows: fresh }]);
    });
    expect(during).toEqual(old);
    expect(await db.selectFrom('reactions').selectAll().execute()).toEqual([...fresh.values()]);
  });

  it('refuses to finish without the final rows of a table whose loaded rows changed', async () => {
    const { db } = database;
    const rows = new Map([['x', { ...reaction(1), id: 'x' }]]);
    await expect(
      db.transaction().execute(async (tx) => {
        const rewrite = await TableRewrite.begin(tx, ['reactions']);
        await rewrite.load([{ table: 'reactions', changed: new Map([['x', false]]), rows }]);
        await rewrite.load([{ table: 'reactions', changed: new Map([['x', true]]), rows }]);
        await rewrite.finish([]);
      }),
    ).rejects.toThrow(/no final rows for reactions/);
  });

  it('reports a failed load from settled, and the transaction leaves the old contents', async () => {
    const { db } = database;
    const count = async () => Number((await sql<{ n: string }>`select count(*) as n from reactions`.execute(db)).rows[0]!.n);
    const kept = await count();
    const bad = new Map([['x', { ...reaction(1), id: 'x', position: 'not a number' }]]);
    const changed = new Map([['x', false]]);
    await expect(
      db.transaction().execute(async (tx) => {
        const rewrite = await TableRewrite.begin(tx, ['reactions']);
        await rewrite.load([{ table: 'reactions', changed, rows: bad }]);
        await rewrite.settled();
      }),
    ).rejects.toThrow(/bigint|invalid input/i);
    expect(await count()).toBe(kept);
  });
});
