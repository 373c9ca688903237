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
import { chainHash, GENESIS_HASH } from './hash-chain';
import type { ProjectedRows } from './projected-rows';
import { EventStore } from './store';

const sent = (roomId: string, body = 'hello'): NewChatEvent => ({
  stream: `room-${roomId}`,
  type: 'message.sent',
  data: { messageId: randomUUID(), roomId, body },
});

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

  it('runs the commit signal inside each batch that appends, given its last position', async () => {
    const signalled: number[] = [];
    const stop = store.signalInCommit((position) => {
      signalled.push(position);
      // Refused outside a transaction block: the append would fail if the signal ran after the commit.
      return `savepoint signalled_${position}`;
    });
    try {
      const room = randomUUID();
      const commandId = randomUUID();
      const first = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room), sent(room)] });
      const repeat = await store.append({ actor, commandId, occurredAt: new Date(), events: [sent(room)] });
      expect(repeat.duplicate).toBe(true);
      expect(signalled).toEqual([first.positions[1]]);
    } finally {
      stop();
    }
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

  it('decides a guard on the rows its events touch, read under the lock, and fails only its own request', async () => {
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
