// Bundled for the browser by the client benchmark: the PWA's own replica (Dexie schema), connection and event path.
// The page runs the plan in its query string by itself (no DevTools attached: Playwright's instrumentation reports
// every WebSocket frame to its client, which a user's browser does not pay), tells the harness when each run starts
// and ends (so it reads Chromium's CPU time around the run alone), and posts the results.
import { liveQuery } from 'dexie';
import { Connection } from '../../../frontend/src/api/connection';
import { registerErasureSync } from '../../../frontend/src/components/admin/erasure-sync';
import { registerUploadSync } from '../../../frontend/src/components/upload/sync';
import { Replica } from '../../../frontend/src/db/replica';
import { applyEvents } from '../../../frontend/src/sync/apply-event';
import { INITIAL_WINDOW, readWindow } from '../../../frontend/src/timeline/window';

// What the PWA's main.ts registers: the mixed catch-up carries uploads.
registerUploadSync();
registerErasureSync();

/** The replica under measurement and what the run left for `finish`. */
let current;

async function freshReplica(rooms) {
  const db = new Replica(`bench-${Date.now()}-${Math.random()}`);
  await db.open();
  await db.rooms.bulkPut(rooms.map((id, i) => ({ id, name: `bench ${i}`, kind: 'public', unread: 0, lastPosition: 0, readPosition: 0 })));
  await db.meta.put({ key: 'lastPosition', value: 0 });
  return db;
}

/**
 * A fresh replica with `rooms`, watched as the UI watches it: a live query over the room list and the first room's
 * timeline (what the sidebar and an open room show) counts how often the UI would redraw. Main-thread tasks over
 * 50 ms (the shortest Chromium reports) are recorded too.
 */
async function prepare(rooms) {
  const db = await freshReplica(rooms);
  const state = { db, redraws: -1, longestTaskMs: 0 }; // the first answer is the initial render
  let rendered;
  const firstRender = new Promise((resolve) => (rendered = resolve));
  // The open room's query as useTimeline runs it while the user follows the bottom.
  const timeline = () => readWindow(db.messages, rooms[0], { newest: INITIAL_WINDOW });
  state.subscription = liveQuery(() => Promise.all([db.rooms.toArray(), timeline()])).subscribe(() => {
    state.redraws++;
    rendered();
  });
  await firstRender;
  state.observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) state.longestTaskMs = Math.max(state.longestTaskMs, entry.duration);
  });
  state.observer.observe({ type: 'longtask' });
  current = state;
}

/** How a history page is stored: `count` message rows in one bulkPut. */
async function bulkPut(count, room, author) {
  const rows = Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    roomId: room,
    position: i + 1,
    authorId: author,
    body: 'x'.repeat(200),
    at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    reactions: [],
  }));
  const { db } = current;
  const start = performance.now();
  await db.transaction('rw', db.messages, () => db.messages.bulkPut(rows));
  return { ms: performance.now() - start };
}

/**
 * A client back after missed events: the PWA's Connection says `hello` to `url`, which replays them and says
 * `ready`; every batch goes through `applyEvents`, as ChatClient does (minus its REST follow-ups). Timed from
 * `hello` to live.
 */
async function catchUpApplied(url, me) {
  const { db } = current;
  current.batches = 0;
  const ms = await catchUp(url, db, async (frames) => {
    current.batches++;
    await applyEvents(db, frames, me);
  });
  return { ms, batches: current.batches };
}

/** The same catch-up received and validated by the Connection but not stored: what the socket alone costs. */
async function catchUpReceived(url) {
  let received = 0;
  const ms = await catchUp(url, current.db, async (frames) => {
    received += frames.length;
  });
  return { ms, received };
}

/** Ends the measurement: what the UI saw, what the replica holds; the replica is deleted. */
async function finish() {
  const { db, subscription, observer } = current;
  await new Promise((resolve) => setTimeout(resolve, 100)); // a late redraw or task entry would count
  subscription.unsubscribe();
  observer.disconnect();
  const result = { redraws: current.redraws, longestTaskMs: current.longestTaskMs, lastPosition: await db.lastPosition(), stored: await db.messages.count() };
  await db.delete();
  current = undefined;
  return result;
}

/** Connects the PWA's Connection to `url` and resolves with the time from `hello` to live. */
function catchUp(url, db, onEvents) {
  let start = 0;
  return new Promise((resolve, reject) => {
    const connection = new Connection(
      {
        since: async () => {
          start = performance.now();
          return db.lastPosition();
        },
        onEvents,
        onReady: async () => undefined,
        onTyping: () => undefined,
        onPresence: () => undefined,
        onReply: () => undefined,
        onState: (state) => {
          if (state === 'live') {
            resolve(performance.now() - start);
            connection.stop();
          } else if (state === 'offline' && start > 0) reject(new Error('the catch-up socket closed'));
        },
        isSignedOut: async () => false,
      },
      url,
    );
    connection.start();
  });
}

/** One measurement on a fresh replica, between two marks the harness reads Chromium's CPU time at. */
async function measure(label, rooms, run) {
  await prepare(rooms);
  await post('/mark', `${label} start`);
  const result = await run();
  await post('/mark', `${label} end`);
  return { label, ...result, ...(await finish()) };
}

const post = (path, body) => fetch(path, { method: 'POST', body });

/** The plan: `runs` times a bulkPut of `count` rows, then each catch-up received alone and applied. */
async function main() {
  const plan = JSON.parse(new URLSearchParams(location.search).get('plan'));
  const results = [];
  try {
    for (let i = 0; i < plan.runs; i++) results.push(await measure(`bulkPut ${i}`, [plan.rooms[0]], () => bulkPut(plan.count, plan.rooms[0], plan.me)));
    for (const mix of plan.mixes) {
      const url = `${location.origin.replace('http', 'ws')}/catch-up/${mix}`;
      for (let i = 0; i < plan.runs; i++) {
        results.push(await measure(`receive ${mix} ${i}`, plan.rooms, () => catchUpReceived(url)));
        results.push(await measure(`catch-up ${mix} ${i}`, plan.rooms, () => catchUpApplied(url, plan.me)));
      }
    }
    await post('/result', JSON.stringify(results));
  } catch (error) {
    await post('/result', JSON.stringify({ error: String(error?.stack ?? error) }));
  }
}

void main();
