import { expect } from 'vitest';
import { TestClient } from '../test-app';
import { checkHistory, History, type Verdict } from './history';
import { readLog, runSender, Subscriber, type Refusals } from './load';
import { tally } from './tally';

/** The accounts and rooms a fault scenario runs on. */
export interface Chat {
  readonly senders: readonly TestClient[];
  readonly subscribers: readonly TestClient[];
  readonly rooms: readonly string[];
}

/** Registers `senders` + `subscribers` users on `url`; all of them join the default room and `extraRooms` new ones. */
export async function setUpChat(url: string, counts: { senders: number; subscribers: number; extraRooms: number }): Promise<Chat> {
  const tag = Math.random().toString(36).slice(2, 8);
  const signUp = (name: string) => new TestClient(url).signUp(`${name}_${tag}`);
  const owner = await signUp('owner');
  const rooms = [(await owner.get('/api/rooms')).json.rooms[0].id as string];
  for (let i = 0; i < counts.extraRooms; i++) rooms.push((await owner.post('/api/rooms', { name: `load ${i}` })).json.room.id);
  const users: TestClient[] = [];
  for (let i = 0; i < counts.senders + counts.subscribers; i++) users.push(await signUp(`user${i}`));
  await Promise.all(users.flatMap((user) => rooms.slice(1).map((room) => user.post(`/api/rooms/${room}/join`))));
  return { senders: users.slice(0, counts.senders), subscribers: users.slice(counts.senders), rooms };
}

/** What one run produced, for scenario-specific checks on top of the history check. */
export interface Run {
  readonly verdict: Verdict;
  readonly history: History;
  readonly refusals: Refusals;
}

/**
 * Runs every sender and subscriber of `chat` against the nodes `urls()`
 * (looked up at each reconnection, so dead nodes can be dropped), calls
 * `inject` meanwhile (it returns how many faults it injected), stops the
 * senders, lets the subscribers catch up with the log and checks the history.
 */
export async function runWithFaults(options: {
  chat: Chat;
  urls: () => readonly string[];
  databaseUrl: string;
  eventKey: Buffer;
  inject: () => Promise<number>;
}): Promise<Run> {
  const { chat, urls } = options;
  const history = new History();
  const refusals: Refusals = new Map();
  const subscribers = chat.subscribers.map((client, i) => new Subscriber(`subscriber${i}`, client.cookie!, urls, i));
  subscribers.forEach((s) => s.start());
  let stopped = false;
  const senders = Promise.all(
    chat.senders.map((client, i) =>
      runSender({ client: i, cookie: client.cookie!, rooms: chat.rooms, history, refusals, urls, stop: () => stopped }),
    ),
  );
  let faults = 0;
  try {
    faults = await options.inject();
  } finally {
    stopped = true;
    await senders;
  }
  const log = await readLog(options.databaseUrl, options.eventKey);
  const lastPosition = Math.max(0, ...log.map((e) => e.position));
  try {
    await Promise.all(subscribers.map((s) => s.reach(lastPosition)));
  } finally {
    await Promise.all(subscribers.map((s) => s.stop()));
  }
  const verdict = checkHistory(history, log, subscribers);
  tally({
    faultsInjected: faults,
    operationsChecked: verdict.operationsChecked,
    acknowledgedLost: verdict.lost.length,
    duplicates: verdict.duplicates.length,
  });
  return { verdict, history, refusals };
}

/** The history check found nothing and enough operations were acknowledged to mean something. */
export function expectCleanHistory(run: Run, minimumAcknowledged: number): void {
  const { verdict, history } = run;
  expect({ ...verdict, operationsChecked: undefined }).toEqual({
    operationsChecked: undefined,
    lost: [],
    duplicates: [],
    phantoms: [],
    wrongPosition: [],
    misordered: [],
  });
  expect(history.counts().ok).toBeGreaterThanOrEqual(minimumAcknowledged);
}
