/**
 * Metrics 3 and 4, run in their own process pinned to the server core:
 * `append` (64 concurrent writers through the real EventStore vs one
 * transaction per event), `generate` (build a log) and `replay` (time
 * `make replay`'s rebuild on that log, in a fresh process as `make replay`
 * runs: not in the one that wrote it, whose heap the writing left behind).
 * The store is opened exactly as `make replay` opens it, from the
 * environment (DATABASE_URL for Postgres, else PGlite under INSTANCE_DIR).
 * Each timed window also reports the server's CPU: this process's and that of
 * the Postgres backends serving its database. Prints one JSON line.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { NewChatEvent } from '../../../backend/src/events';
import { allProjections } from '../../../backend/src/projections/all';
import { replayProjections } from '../../../backend/src/projections/replay';
import { userStream } from '../../../backend/src/identity/events';
import { roomStream } from '../../../backend/src/rooms/events';
import { openConfiguredStore } from '../../lib/open-store';
import { cpuWindow } from '../lib/proc';
import type { StorageCpu } from '../results';

const BODY = 'x'.repeat(200);
const [mode, a, b] = process.argv.slice(2);

type Opened = Awaited<ReturnType<typeof openConfiguredStore>>;

/** Starts measuring the server's CPU (this process, all its threads, and its database's Postgres backends); the function it answers ends the window. */
async function serverCpuMeter({ database, engine }: Opened): Promise<() => Promise<StorageCpu>> {
  const backends = async () =>
    engine === 'postgres'
      ? (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(database.db)).rows.map((r) => r.pid)
      : [];
  const before = await backends();
  const databaseCpu = cpuWindow(before);
  const node = process.cpuUsage();
  return async () => {
    const used = process.cpuUsage(node);
    // The pool may open backends during the window and close idle ones.
    const databaseSeconds = databaseCpu([...before, ...(await backends())]);
    return { node: round2((used.user + used.system) / 1e6), database: round2(databaseSeconds) };
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function message(roomId: string): NewChatEvent {
  return { type: 'message.sent', stream: roomStream(roomId), data: { messageId: randomUUID(), roomId, body: BODY } };
}

/** `writers` loops appending one 200-byte message each, for `ms`; answers events per second and the server CPU they took. */
async function appendRate(opened: Opened, writers: number, ms: number): Promise<{ eventsPerSecond: number; events: number; transactions: number; cpu: StorageCpu }> {
  const { store } = opened;
  const actor = randomUUID();
  const rooms = Array.from({ length: 16 }, () => randomUUID());
  const batchesBefore = store.batchCount;
  const cpu = await serverCpuMeter(opened);
  const deadline = performance.now() + ms;
  const start = performance.now();
  let events = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < deadline) {
        await store.append({ actor, occurredAt: new Date(), events: [message(rooms[w % rooms.length]!)] });
        events += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { eventsPerSecond: Math.round(events / seconds), events, transactions: store.batchCount - batchesBefore, cpu: await cpu() };
}

async function appendMode(writers: number, ms: number) {
  const opened = await openConfiguredStore();
  const { database } = opened;
  try {
    const setting = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(database.db);
    await appendRate(opened, writers, Math.min(1000, ms / 3)); // warm-up: keys, pools, JIT
    const grouped = await appendRate(opened, writers, ms);
    // One writer: every append is its own transaction. Under the global append lock (the hash chain
    // needs each row's predecessor) one-transaction-per-event is serial whatever the number of writers.
    const single = await appendRate(opened, 1, ms);
    return { synchronousCommit: setting.rows[0]!.synchronous_commit, writers, grouped, single, ratio: Math.round((grouped.eventsPerSecond / single.eventsPerSecond) * 10) / 10 };
  } finally {
    await database.close();
  }
}

/**
 * Fills the log with `count` messages through the real EventStore.append
 * (sealed, chained, projected). Generation is not what is timed, so it goes
 * the cheapest honest way: a few writers with 1,000-event requests, which
 * group commit packs into transactions of up to 16,000 events. Answers the
 * seconds it took, before the settling below.
 */
async function generate(count: number): Promise<number> {
  const { database, store } = await openConfiguredStore();
  try {
    const actor = randomUUID();
    const rooms = Array.from({ length: 16 }, () => randomUUID());
    // As a real log has them: the sender registered, created and joined the rooms, so every message also moves
    // its room's latest position and its sender's read marker, as it does in the rooms and memberships tables.
    const setup: NewChatEvent[] = [
      { type: 'user.registered', stream: userStream(actor), data: { userId: actor, username: 'bench', passwordHash: 'not-a-hash', isAdmin: false } },
      ...rooms.flatMap((roomId, i): NewChatEvent[] => [
        { type: 'room.created', stream: roomStream(roomId), data: { roomId, name: `bench-${i}`, kind: 'public' } },
        { type: 'room.joined', stream: roomStream(roomId), data: { roomId, userId: actor } },
      ]),
    ];
    await store.append({ actor, occurredAt: new Date(), events: setup });
    const perRequest = 1000;
    let remaining = count - setup.length;
    const start = performance.now();
    await Promise.all(
      rooms.map(async (room) => {
        while (remaining > 0) {
          const n = Math.min(perRequest, remaining);
          remaining -= n;
          await store.append({ actor, occurredAt: new Date(), events: Array.from({ length: n }, () => message(room)) });
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    // Left as a live database's log is by the time anyone replays it: vacuumed and analysed, its writes
    // checkpointed. Else the timed replay would share the machine with autovacuum and the checkpointer
    // working through what was just written.
    await sql`vacuum analyze`.execute(database.db);
    await sql`checkpoint`.execute(database.db);
    return seconds;
  } finally {
    await database.close();
  }
}

/** One `make replay` rebuild on an open store, split into checksums, read+decrypt+fold, and write-back, with the server CPU it took. */
async function timedReplay(opened: Opened) {
  const { database, store } = opened;
  const cpu = await serverCpuMeter(opened);
  const start = performance.now();
  // Progress is reported before the first page and after each one.
  let folding = 0;
  let folded = 0;
  const report = await replayProjections(database.db, store, allProjections, (done) => {
    if (done === 0) folding = performance.now();
    folded = performance.now();
  });
  const end = performance.now();
  return {
    seconds: round2((end - start) / 1000),
    eventsPerSecond: Math.round(report.events / ((end - start) / 1000)),
    phases: { checksumSeconds: round2((folding - start) / 1000), readDecryptFoldSeconds: round2((folded - folding) / 1000), writeBackSeconds: round2((end - folded) / 1000) },
    cpu: await cpu(),
    events: report.events,
    identical: report.identical,
  };
}

async function replayMode() {
  const opened = await openConfiguredStore();
  try {
    // Cold: this fresh process, exactly `make replay`. Warm: the same process again, data keys already unwrapped.
    const cold = await timedReplay(opened);
    const warm = await timedReplay(opened);
    return { engine: opened.engine, events: cold.events, cold, warm };
  } finally {
    await opened.database.close();
  }
}

const result =
  mode === 'append'
    ? await appendMode(Number(a), Number(b))
    : mode === 'generate'
      ? { generateSeconds: Math.round(await generate(Number(a))) }
      : mode === 'replay'
        ? await replayMode()
        : undefined;
if (!result) throw new Error('usage: store-worker.ts append <writers> <ms> | generate <events> | replay');
console.log(JSON.stringify(result));
