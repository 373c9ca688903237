import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { Keyring } from '../crypto/keyring';
import { openDatabase, type DatabaseHandle } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/types';
import { ConflictError, ForbiddenError } from '../errors/errors';
import type { NewChatEvent } from '../events';
import { liveProjector } from '../projections/live';
import { allProjections } from '../projections/all';
import { SPLIT_AT } from './group-commit';
import { chainHash, GENESIS_HASH } from './hash-chain';
import type { ProjectedRows } from './projected-rows';
import { EventStore, type AppendResult } from './store';

const sent = (roomId: string, body = 'hello'): NewChatEvent => ({
  stream: `room-${roomId}`,
  type: 'message.sent',
  data: { messageId: randomUUID(), roomId, body },
});

const created = (roomId: string): NewChatEvent => ({
  stream: `room-${roomId}`,
  type: 'room.created',
  data: { roomId, name: 'pipelined', kind: 'public' },
});

/**
 * Runs `body` while a transaction of its own holds the append lock, and
 * ends that transaction after it, however it ends. `waiters(n)` waits until
 * `n` sessions of this database wait for an advisory lock (the lock is
 * held, so appends that reached it queue there). Appends that wait for the
 * lock must leave `body` unawaited, in an object (a promise `body` returns
 * would be awaited before the lock is released).
 */
async function withAppendsLocked<T>(db: Kysely<Database>, store: EventStore, body: (waiters: (count: number) => Promise<void>) => Promise<T>): Promise<T> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = db.transaction().execute(async (tx) => {
    await store.lockAppends(tx);
    locked();
    await released;
  });
  await isLocked;
  try {
    return await body((count) => lockWaiters(db, count));
  } finally {
    release();
    await holder;
  }
}

async function lockWaiters(db: Kysely<Database>, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
      and database = (select oid from pg_database where datname = current_database())`.execute(db);
    if (rows[0]!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.n} sessions wait for the append lock, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** How a batch's check of the chain's end (`append_expect_state`) at `position` starts in the query text. */
const checkOf = (position: number) => `(E'[${position},"`;

function storeOn(handle: DatabaseHandle, masterKey: Buffer) {
  return new EventStore(handle.db, new Keyring(handle.db, masterKey), liveProjector(allProjections));
}

/** Has `sessions` pooled sessions, held all at once so each is a different one, drop their prepared statements. */
async function forgetPreparedStatements(db: Kysely<Database>, sessions: number): Promise<void> {
  let arrived = 0;
  let allArrived!: () => void;
  const barrier = new Promise<void>((resolve) => (allArrived = resolve));
  await Promise.all(
    Array.from({ length: sessions }, () =>
      db.connection().execute(async (session) => {
        await sql`deallocate all`.execute(session);
        if (++arrived === sessions) allArrived();
        await barrier;
      }),
    ),
  );
}

describeEachEngine('event store', (engine) => {
  let handle: DatabaseHandle;
  let store: EventStore;
  const masterKey = randomBytes(32);
  const actor = randomUUID();

  beforeAll(async () => {
    handle = await engine.open();
    await migrateToLatest(handle.db);
    store = storeOn(handle, masterKey);
  });
  afterAll(async () => handle?.close());

  it('appends with global positions and per-stream versions, and reads them back decrypted', async () => {
    const room = randomUUID();
    const head = await store.head();
    const result = await store.append({ actor, occurredAt: new Date(), events: [sent(room, 'one'), sent(room, 'two')] });
    expect(result).toEqual({ positions: [head + 1, head + 2], duplicate: false });
    const events = await store.readStream(`room-${room}`);
    expect(events.map((e) => [e.version, e.type, e.actor, (e.data as { body: string }).body])).toEqual([
      [1, 'message.sent', actor, 'one'],
      [2, 'message.sent', actor, 'two'],
    ]);
  });

  it('writes quotes, backslashes and any text exactly: in command ids, metadata and projected rows', async () => {
    const room = randomUUID();
    const awkward = `it's \\ \\' \'); drop table events; -- "q" \u00fc \u{1F600} $$ E'x'`;
    const commandId = `${randomUUID()} ${awkward}`;
    const at = new Date('2024-05-06T07:08:09.123Z');
    const result = await store.append({
      actor,
      commandId,
      occurredAt: at,
      events: [{ stream: `room-${room}`, type: 'room.created', data: { roomId: room, name: awkward, kind: 'public' } }],
    });
    expect(await store.commandResult(commandId)).toEqual({ actor, positions: result.positions });
    const [event] = await store.readStream(`room-${room}`);
    expect(event).toMatchObject({ data: { name: awkward }, metadata: { commandId }, occurredAt: at });
    const row = await handle.db.selectFrom('rooms').selectAll().where('id', '=', room).executeTakeFirstOrThrow();
    expect(row).toEqual({ id: room, name: awkward, kind: 'public', created_by: actor, created_at: at, last_position: result.positions[0] });
  });

  it('refuses an append whose expected version does not hold, and writes nothing', async () => {
    const room = randomUUID();
    const stream = `room-${room}`;
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 'no_stream' } });
    const head = await store.head();
    await expect(
      store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 'no_stream' } }),
    ).rejects.toMatchObject({ code: 'version_conflict' });
    await expect(store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 5 } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(await store.head()).toBe(head);
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 1 } });
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('answers a repeated command id with the first result and writes nothing', async () => {
    const room = randomUUID();
    const commandId = randomUUID();
    const first = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)] });
    const head = await store.head();
    const again = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)] });
    expect(again).toEqual({ positions: first.positions, duplicate: true });
    expect(await store.head()).toBe(head);
    // Concurrent repeats inside one batch are also collapsed.
    const id2 = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => store.append({ actor, commandId: id2, occurredAt: new Date(), events: [sent(room)] })));
    expect(new Set(results.map((r) => r.positions[0])).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    // Another actor cannot reuse (or learn the result of) someone's command id.
    await expect(store.append({ actor: randomUUID(), commandId, occurredAt: new Date(), events: [sent(room)] })).rejects.toMatchObject({
      code: 'command_id_reused',
    });
  });

  it('commits concurrent appends in fewer transactions than appends (group commit)', async () => {
    const before = store.batchCount;
    const room = randomUUID();
    await Promise.all(Array.from({ length: 200 }, () => store.append({ actor, occurredAt: new Date(), events: [sent(room)] })));
    const batches = store.batchCount - before;
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThan(50);
    expect((await store.readStream(`room-${room}`)).map((e) => e.version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('splits a burst met with no batch in flight in two on Postgres, so the halves overlap; one batch on PGlite (one connection)', async () => {
    const before = store.batchCount;
    const room = randomUUID();
    await Promise.all(Array.from({ length: 2 * SPLIT_AT }, () => store.append({ actor, occurredAt: new Date(), events: [sent(room)] })));
    expect(store.batchCount - before).toBe(engine.name === 'pglite' ? 1 : 2);
    expect((await store.readStream(`room-${room}`)).map((e) => e.version)).toEqual(Array.from({ length: 2 * SPLIT_AT }, (_, i) => i + 1));
  });

  it('runs the commit signal inside each batch that appends, given its last position', async () => {
    // The signal records where it ran: inside the append's transaction, the events' rows have given it an id already.
    await sql`create table if not exists commit_signals (position bigint, in_append boolean)`.execute(handle.db);
    await sql`delete from commit_signals`.execute(handle.db);
    const stop = store.signalInCommit((position) => `insert into commit_signals values (${position}, txid_current_if_assigned() is not null)`);
    try {
      const room = randomUUID();
      const commandId = randomUUID();
      const first = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room), sent(room)] });
      // A repeat may be taken for new by a batch that does not read: that try aborts under the lock, its signal with it.
      const repeat = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)] });
      expect(repeat.duplicate).toBe(true);
      const { rows } = await sql<{ position: string; in_append: boolean }>`select position::text, in_append from commit_signals`.execute(handle.db);
      expect(rows).toEqual([{ position: String(first.positions[1]), in_append: true }]);
    } finally {
      stop();
    }
  });

  it('decides on what it knows, without reading, while it is the only writer; a rebuild of the projections makes it read again', async () => {
    const room = randomUUID();
    const stream = `room-${room}`;
    const names: unknown[] = [];
    const guard = (rows: ProjectedRows) => void names.push(rows.row('rooms', room)?.name);
    await store.append({ actor, occurredAt: new Date(), events: [created(room)], expected: { [stream]: 'no_stream' } });
    // Reads the sender's membership row (the room's row and stream the first batch wrote are known).
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 1 }, guard });
    const fromMemory = store.decidedFromMemoryCount;
    // Every row and stream is known now: the next batch decides on them (a new message's row is taken for new).
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 2 }, guard });
    expect(store.decidedFromMemoryCount).toBe(fromMemory + 1);
    // A replay that repaired a row raises the generation: what this store knew of the row must not be decided on.
    await sql`update rooms set name = 'rebuilt' where id = ${room}`.execute(handle.db);
    await sql`update projection_generation set generation = generation + 1 where singleton = 1`.execute(handle.db);
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 3 }, guard });
    expect(store.decidedFromMemoryCount).toBe(fromMemory + 1);
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 4 }, guard });
    expect(store.decidedFromMemoryCount).toBe(fromMemory + 2);
    // The third append decided twice: on the row it knew (refused under the lock), then on the row it read.
    expect(names).toEqual(['pipelined', 'pipelined', 'pipelined', 'rebuilt', 'rebuilt']);
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('checks under the lock that a row it took for new does not exist, and decides again on a read if it does', async () => {
    const room = randomUUID();
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)] });
    const message = sent(room, 'second');
    const { messageId } = message.data as { messageId: string };
    // A row with the new message's id, written behind the store's back (nothing moves the chain).
    await sql`insert into messages (id, room_id, author_id, position, body_position, sent_at, edited_at, deleted)
      values (${messageId}, ${room}, 'someone-else', 1, 1, now(), null, false)`.execute(handle.db);
    const fromMemory = store.decidedFromMemoryCount;
    const [position] = (await store.append({ actor, occurredAt: new Date(), events: [message] })).positions;
    expect(store.decidedFromMemoryCount).toBe(fromMemory);
    // Decided on the row as it is: the message's row is not overwritten.
    const { rows } = await sql<{ author_id: string; position: string }>`select author_id, position::text from messages where id = ${messageId}`.execute(handle.db);
    expect(rows).toEqual([{ author_id: 'someone-else', position: '1' }]);
    expect((await store.readStream(`room-${room}`)).map((e) => e.position)).toEqual([position! - 1, position]);
  });

  it('isolates a failing request from the rest of its batch', async () => {
    const room = randomUUID();
    const stream = `room-${room}`;
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)] });
    const outcomes = await Promise.allSettled([
      store.append({ actor, occurredAt: new Date(), events: [sent(room)] }),
      store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 'no_stream' } }),
      store.append({ actor, occurredAt: new Date(), events: [sent(room)] }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('decides a guard on the rows its events touch, as of the batch, and fails only its own request', async () => {
    const room = randomUUID();
    await store.append({ actor, occurredAt: new Date(), events: [{ stream: `room-${room}`, type: 'room.created', data: { roomId: room, name: 'guarded', kind: 'private' } }] });
    const seen: unknown[] = [];
    const refusal = new ForbiddenError('Not here.', 'not_a_member');
    const guard = (rows: ProjectedRows) => {
      seen.push(rows.row('rooms', room)?.kind, rows.row('rooms', randomUUID()));
      throw refusal;
    };
    const head = await store.head();
    const outcomes = await Promise.allSettled([
      store.append({ actor, occurredAt: new Date(), events: [sent(room)] }),
      store.append({ actor, commandId: randomUUID(), occurredAt: new Date(), events: [sent(room)], guard }),
      store.append({ actor, occurredAt: new Date(), events: [sent(room)] }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(refusal);
    expect(seen).toEqual(['private', undefined]);
    expect(await store.head()).toBe(head + 2);
    // A repeat of a recorded command answers its first result before any guard.
    const commandId = randomUUID();
    const first = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)] });
    expect(await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)], guard })).toEqual({ ...first, duplicate: true });
  });

  it.skipIf(engine.name === 'pglite')('decides a batch read before the batch ahead of it committed as if after it', async () => {
    const room = randomUUID();
    const stream = `room-${room}`;
    const commandId = randomUUID();
    const head = await store.head();
    const redecided = store.redecidedCount;
    const seen: unknown[] = [];
    const appends = await withAppendsLocked(handle.db, store, async (waiters) => {
      const first = store.append({ actor, commandId, occurredAt: new Date(), events: [created(room)], expected: { [stream]: 'no_stream' } });
      await waiters(1);
      // Read while the first batch waits for the lock: the room, its stream and the command id are not there yet.
      const rest = [
        store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 1 }, guard: (rows) => void seen.push(rows.row('rooms', room)?.name) }),
        store.append({ actor, commandId, occurredAt: new Date(), events: [created(room)] }),
      ];
      await waiters(2);
      return { settled: Promise.allSettled([first, ...rest]) };
    });
    expect(await appends.settled).toEqual([
      { status: 'fulfilled', value: { positions: [head + 1], duplicate: false } },
      { status: 'fulfilled', value: { positions: [head + 2], duplicate: false } },
      { status: 'fulfilled', value: { positions: [head + 1], duplicate: true } },
    ]);
    expect(seen).toEqual(['pipelined']);
    // Decided once, on the read laid over with the first batch's outcome, not again under the lock.
    expect(store.redecidedCount).toBe(redecided);
    expect((await store.readStream(stream)).map((e) => [e.version, e.position])).toEqual([
      [1, head + 1],
      [2, head + 2],
    ]);
  });

  it.skipIf(engine.name === 'pglite')('decides again under the lock when the batch it continued never committed', async () => {
    const room = randomUUID();
    const stream = `room-${room}`;
    const head = await store.head();
    const redecided = store.redecidedCount;
    const [first, second] = await withAppendsLocked(handle.db, store, async (waiters) => {
      // Settled as they happen: a rejection with no handler yet would count as unhandled.
      const first = Promise.allSettled([store.append({ actor, occurredAt: new Date(), events: [created(room)] })]);
      await waiters(1);
      const second = Promise.allSettled([store.append({ actor, occurredAt: new Date(), events: [sent(room)], expected: { [stream]: 1 } })]);
      await waiters(2);
      // The first batch's session dies while it waits: its events never commit.
      const killed = await sql<{ n: number }>`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where query like ${`%${checkOf(head)}%`} and pid <> pg_backend_pid()`.execute(handle.db);
      expect(killed.rows[0]!.n).toBe(1);
      return [first, second];
    });
    expect(await first).toMatchObject([{ status: 'rejected', reason: { code: '57P01' } }]);
    expect(await second).toMatchObject([{ status: 'rejected', reason: { code: 'version_conflict' } }]);
    expect(store.redecidedCount).toBe(redecided + 1);
    expect(await store.head()).toBe(head);
    // And the store goes on appending where the chain really ends.
    expect(await store.append({ actor, occurredAt: new Date(), events: [created(room)], expected: { [stream]: 'no_stream' } })).toEqual({
      positions: [head + 1],
      duplicate: false,
    });
  });

  it.skipIf(engine.name === 'pglite')('keeps two stores on one database (two nodes) in one chain: the later batch decides again, and reads under the lock until the chain is its own', async () => {
    const other = storeOn(handle, masterKey);
    const stores = [store, other];
    const room = randomUUID();
    const stream = `room-${room}`;
    const before = stores.map((s) => s.redecidedCount);
    // Both read the same chain end before the lock, then queue for it.
    const raced = await withAppendsLocked(handle.db, store, async (waiters) => {
      const both = Promise.allSettled(stores.map((on) => on.append({ actor, occurredAt: new Date(), events: [created(room)], expected: { [stream]: 'no_stream' } })));
      await waiters(2);
      return { both };
    });
    const outcomes = await raced.both;
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = outcomes.findIndex((o) => o.status === 'rejected');
    expect((outcomes[lost] as PromiseRejectedResult).reason).toMatchObject({ code: 'version_conflict' });
    expect(stores.map((s, i) => s.redecidedCount - before[i]!)).toEqual(stores.map((_, i) => (i === lost ? 1 : 0)));

    /** Where the loser's next append waits for the lock: having decided (its check of the chain's end follows the lock) or before its read. */
    const waitsDecided = async () => {
      const waited = await withAppendsLocked(handle.db, store, async (waiters) => {
        const append = stores[lost]!.append({ actor, occurredAt: new Date(), events: [sent(room)] });
        await waiters(1);
        const { rows } = await sql<{ query: string }>`select query from pg_stat_activity
          where wait_event_type = 'Lock' and datname = current_database()`.execute(handle.db);
        return { append, queries: rows.map((r) => r.query) };
      });
      await waited.append;
      expect(waited.queries).toHaveLength(1);
      return waited.queries[0]!.includes(checkOf((await store.head()) - 1));
    };
    expect(await waitsDecided()).toBe(false);
    // That locked read found the chain where the loser's last batch left it: it decides before the lock again.
    expect(await waitsDecided()).toBe(true);
    expect((await store.readStream(stream)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('prepares its statements again in a session that lost them (as a reconnected one has none)', async () => {
    const room = randomUUID();
    await store.append({ actor, occurredAt: new Date(), events: [sent(room)] });
    // PGlite is one session; the pool hands out up to 10.
    await forgetPreparedStatements(handle.db, engine.name === 'pglite' ? 1 : 10);
    await store.append({ actor, occurredAt: new Date(), events: [sent(room), sent(room)] });
    expect((await store.readStream(`room-${room}`)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('chains every row to its predecessor by hash over the ciphertext', async () => {
    // Every committed row: on a shared server another database's open transaction can hold back the xmin rule.
    const rows = await store.readRows({ after: 0, limit: 10_000, allCommitted: true });
    let prev: Buffer = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prev_hash.equals(prev)).toBe(true);
      const expected = chainHash(prev, {
        position: row.position,
        stream: row.stream,
        version: row.version,
        type: row.type,
        actor: row.actor,
        occurredAt: row.occurred_at,
        keyId: row.key_id,
        nonce: row.nonce,
        ciphertext: row.ciphertext,
        metadata: row.metadata,
      });
      expect(row.hash.equals(expected)).toBe(true);
      prev = row.hash;
    }
    expect(rows.length).toBeGreaterThan(200);
  });

  it('binds each ciphertext to its stream, version and type', async () => {
    const room = randomUUID();
    await store.append({ actor, occurredAt: new Date(), events: [sent(room, 'secret')] });
    const [row] = await store.readRows({ after: 0, limit: 1, streams: [`room-${room}`], allCommitted: true });
    await expect(store.decode(row!)).resolves.toMatchObject({ data: { body: 'secret' } });
    await expect(store.decode({ ...row!, stream: 'room-other' })).rejects.toThrow(/authentication failed/);
    await expect(store.decode({ ...row!, version: row!.version + 1 })).rejects.toThrow(/authentication failed/);
    await expect(store.decode({ ...row!, type: 'message.edited' })).rejects.toThrow(/authentication failed/);
    const flipped = Buffer.from(row!.ciphertext);
    flipped[0]! ^= 1;
    await expect(store.decode({ ...row!, ciphertext: flipped })).rejects.toThrow(/authentication failed/);
  });

  it('is append-only inside the database: UPDATE, DELETE and TRUNCATE are refused', async () => {
    await expect(sql`update events set type = 'x'`.execute(handle.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from events`.execute(handle.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate events`.execute(handle.db)).rejects.toThrow(/append-only/);
    expect(await store.head()).toBeGreaterThan(0);
  });

  it('stores no plaintext payload in the row', async () => {
    const marker = `plain-${randomUUID()}`;
    const room = randomUUID();
    await store.append({ actor, occurredAt: new Date(), events: [sent(room, marker)] });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from events e where position(convert_to(${marker}, 'UTF8') in e.ciphertext) > 0
        or e::text like ${'%' + marker + '%'}`.execute(handle.db);
    expect(rows[0]!.n).toBe(0);
  });
});

describeEachEngine('catch-up reads under concurrent appenders', (engine) => {
  let handles: DatabaseHandle[] = [];
  afterAll(async () => {
    for (const h of handles.slice(1)) await h.close();
    await handles[0]?.close();
  });

  it('a follower sees every committed event exactly once, in position order', async () => {
    const primary = await engine.open();
    handles = [primary];
    await migrateToLatest(primary.db);
    const masterKey = randomBytes(32);
    // On Postgres each appender is a separate pool, like separate server nodes.
    const url = (primary as { url?: string }).url;
    for (let i = 0; url && i < 3; i++) handles.push(await openDatabase({ engine: 'postgres', url, maxConnections: 4 }));
    const stores = handles.map((h) => storeOn(h, masterKey));
    const follower = stores[0]!;

    const APPENDERS = 16;
    const PER_APPENDER = 40;
    // Known once every append is acknowledged. A follower may lag (a transaction
    // open anywhere on a shared server holds back what it sees) but must get there.
    let last = Infinity;
    const seen: number[] = [];
    const follow = (async () => {
      let after = 0;
      while (after < last) {
        const batch = await follower.read({ after, limit: 97 });
        for (const event of batch) seen.push(event.position);
        if (batch.length > 0) after = batch.at(-1)!.position;
        else await new Promise((r) => setTimeout(r, 1));
      }
    })();

    const acknowledged: number[] = [];
    await Promise.all(
      Array.from({ length: APPENDERS }, async (_, a) => {
        const store = stores[a % stores.length]!;
        const room = randomUUID();
        for (let i = 0; i < PER_APPENDER; i++) {
          const { positions } = await store.append({ actor: randomUUID(), occurredAt: new Date(), events: [sent(room, `m${i}`)] });
          acknowledged.push(...positions);
        }
      }),
    );
    last = Math.max(...acknowledged);
    await follow;

    expect(acknowledged).toHaveLength(APPENDERS * PER_APPENDER);
    expect(seen).toEqual([...acknowledged].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('event store without a database', () => {
  it('reports an unreachable Postgres as an error, not a hang', async () => {
    const handle = await openDatabase({ engine: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' });
    await expect(migrateToLatest(handle.db)).rejects.toThrow();
    await handle.close();
  });
});
