import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { Keyring } from '../crypto/keyring';
import { toAppError } from '../errors/classify';
import { UnavailableError } from '../errors/errors';
import { EventStore } from '../eventstore/store';
import { allProjections } from '../projections/all';
import { liveProjector } from '../projections/live';
import { openDatabase, type DatabaseHandle } from './database';
import { migrateToLatest } from './migrate';

// A heap this small holds PGlite's thread, not a result of 100 MB of text: that statement stops the thread, as a
// result too big for its default heap would.
const SMALL_HEAP = { maxOldGenerationSizeMb: 48 };
const FILLS_THE_HEAP = sql`select repeat('x', 20000) as filler from generate_series(1, 5000)`;

// One data directory for the file: making one costs seconds. Each test has a table of its own.
let dir: string;
let handle: DatabaseHandle;
const reopened: Error[] = [];
const open = () => openDatabase({ engine: 'pglite', dataDir: dir, resourceLimits: SMALL_HEAP, onReopen: (reason) => reopened.push(reason) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pglite-reopen-'));
  handle = await open();
});

beforeEach(() => {
  reopened.length = 0;
});

afterAll(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new table `name` holding the row 1. */
async function tableWithOneRow(name: string): Promise<void> {
  await sql`create table ${sql.table(name)} (id int primary key)`.execute(handle.db);
  await sql`insert into ${sql.table(name)} values (1)`.execute(handle.db);
}

const ids = async (name: string) => (await sql<{ id: number }>`select id from ${sql.table(name)} order by id`.execute(handle.db)).rows.map((r) => r.id);

it('opens the database again after its thread stopped, with what had committed and without what had not', async () => {
  await tableWithOneRow('notes');
  const failed = await handle.db
    .transaction()
    .execute(async (tx) => {
      await sql`insert into notes values (2)`.execute(tx);
      await FILLS_THE_HEAP.execute(tx);
    })
    .catch((error: unknown) => error);

  // The transaction fails with why the thread stopped, which the server answers as "unavailable, retry".
  expect(failed).toMatchObject({ code: '57P02', message: expect.stringMatching(/thread stopped/) });
  expect(toAppError(failed)).toBeInstanceOf(UnavailableError);
  expect(await ids('notes')).toEqual([1]);
  await sql`insert into notes values (3)`.execute(handle.db);
  expect(await ids('notes')).toEqual([1, 3]);
  expect(reopened).toHaveLength(1);
  expect(reopened[0]).toBe(failed);
}, 60_000);

it('keeps the data through a second stop, and survives closing and opening as usual', async () => {
  await tableWithOneRow('tallies');
  for (const id of [2, 3]) {
    await expect(FILLS_THE_HEAP.execute(handle.db)).rejects.toMatchObject({ code: '57P02' });
    await sql`insert into tallies values (${id})`.execute(handle.db);
  }
  expect(reopened).toHaveLength(2);
  await handle.close();
  handle = await open();
  expect(await ids('tallies')).toEqual([1, 2, 3]);
}, 60_000);

it('lets the event store append again on the new thread, on the chain the old one committed', async () => {
  await migrateToLatest(handle.db);
  const store = new EventStore(handle.db, new Keyring(handle.db, randomBytes(32)), liveProjector(allProjections));
  const room = randomUUID();
  const actor = randomUUID();
  const send = (body: string) =>
    store.append({ actor, occurredAt: new Date(), events: [{ stream: `room-${room}`, type: 'message.sent', data: { messageId: randomUUID(), roomId: room, body } }] });
  // Two batches: the second decides on what the store knows and runs its prepared statements, which the new thread lacks.
  await send('before');
  const { positions } = await send('still before');
  await expect(FILLS_THE_HEAP.execute(handle.db)).rejects.toMatchObject({ code: '57P02' });

  expect((await send('after')).positions).toEqual([positions[0]! + 1]);
  const events = await store.readStream(`room-${room}`);
  expect(events.map((e) => [e.version, (e.data as { body: string }).body])).toEqual([
    [1, 'before'],
    [2, 'still before'],
    [3, 'after'],
  ]);
  expect(await handle.db.selectFrom('messages').select('id').where('room_id', '=', room).execute()).toHaveLength(3);
}, 60_000);
