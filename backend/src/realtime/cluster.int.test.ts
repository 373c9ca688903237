import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import { TestSocket } from '../../test/ws-client';
import { openDatabase, type DatabaseHandle } from '../db/database';

const postgres = engines.find((e) => e.name === 'postgres');
const redisUrl = process.env.TEST_REDIS_URL;

/** Two nodes in this process on one Postgres database, each with its own pool and listener. */
function twoNodeSuite(bus: 'postgres' | 'redis') {
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  let a: TestServer;
  let b: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let room: string;

  beforeAll(async () => {
    first = await postgres!.open();
    const url = (first as { url?: string }).url!;
    // The second node's own pool and listener on the same database.
    second = { ...(await openDatabase({ engine: 'postgres', url })), url } as DatabaseHandle;
    const secrets = { secretKey: randomBytes(32).toString('base64url'), eventKey: randomBytes(32) };
    const env: Record<string, string> = bus === 'redis' ? { REDIS_URL: redisUrl! } : {};
    a = await startTestServer(postgres!, env, first, undefined, secrets);
    b = await startTestServer(postgres!, env, second, undefined, secrets);
    expect([a.realtime.bus.name, b.realtime.bus.name]).toEqual([bus, bus]);
    alice = await new TestClient(a.url).signUp('alice');
    bob = await new TestClient(b.url).signUp('bob');
    room = (await alice.post('/api/rooms', { name: 'cluster' })).json.room.id;
    await bob.post(`/api/rooms/${room}/join`);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers a message sent to node A to a user connected to node B', async () => {
    const onB = await bob.socket();
    await onB.hello(await b.app.services.store.head());
    const id = randomUUID();
    const sent = await alice.post(`/api/rooms/${room}/messages`, { id, body: 'across nodes' });
    const event = await onB.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === id);
    expect(event.position).toBe(sent.json.position);
    onB.close();
  });

  it('subscribes a socket on node B when its user joins through node A', async () => {
    const carol = await new TestClient(b.url).signUp('carol');
    const onB = await carol.socket();
    await onB.hello(await b.app.services.store.head());
    const viaA = new TestClient(a.url);
    viaA.cookie = carol.cookie;
    viaA.csrfToken = carol.csrfToken;
    await viaA.post(`/api/rooms/${room}/join`);
    await onB.waitFor((f) => f.type === 'event' && f.event === 'room.joined' && f.room === room);
    const id = randomUUID();
    await alice.post(`/api/rooms/${room}/messages`, { id, body: 'welcome' });
    await onB.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === id);
    onB.close();
  });

  it('throttles typing to one event per member per room per 3 s across nodes', async () => {
    const watcher = await alice.socket();
    await watcher.hello(await a.app.services.store.head());
    const bobOnA = await TestSocket.open(a.url, { cookie: bob.cookie, origin: a.url });
    const bobOnB = await bob.socket();
    bobOnA.send({ type: 'typing', room });
    await watcher.waitFor((f) => f.type === 'event' && f.event === 'user.typing' && f.actor === bob.user!.id);
    bobOnB.send({ type: 'typing', room });
    bobOnB.send({ type: 'ping' });
    await bobOnB.waitFor((f) => f.type === 'pong');
    // Whatever node B recorded would reach node A well within this.
    await new Promise((r) => setTimeout(r, 1500));
    expect(watcher.events('user.typing').filter((f) => f.actor === bob.user!.id)).toHaveLength(1);
    for (const s of [watcher, bobOnA, bobOnB]) s.close();
  });

  it('shows presence across nodes', async () => {
    const watcher = await alice.socket();
    await watcher.hello(await a.app.services.store.head());
    const onB = await bob.socket();
    await watcher.waitFor((f) => f.type === 'presence' && f.user === bob.user!.id && f.online === true);
    expect((await alice.get('/api/users?query=bob')).json.users[0].online).toBe(true);
    onB.close();
    await watcher.waitFor((f) => f.type === 'presence' && f.user === bob.user!.id && f.online === false);
    watcher.close();
  });
}

describe.runIf(postgres)('two nodes over LISTEN/NOTIFY [postgres]', () => twoNodeSuite('postgres'));
describe.runIf(postgres && redisUrl)('two nodes over Redis [postgres] [redis]', () => twoNodeSuite('redis'));

/** A server node in its own process, so it can be killed with SIGKILL. It picks its own port and logs it. */
async function spawnNode(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
    env: { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string | undefined>((resolve) => {
    let out = '';
    const timer = setTimeout(() => resolve(undefined), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const found = /listening on (http:\/\/[\d.:]+)/.exec(out)?.[1];
      if (!found) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      // Keep draining its log so the pipe never fills.
      child.stdout!.resume();
      resolve(found);
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => resolve(undefined));
  });
  if (!url) {
    child.kill('SIGKILL');
    throw new Error('node did not start');
  }
  return { url, child };
}

describe.runIf(postgres)('kill -9 of a node under load [postgres]', () => {
  let database: DatabaseHandle;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await database?.close();
  });

  it('clients fail over to the other node and every acknowledged message exists exactly once', async () => {
    database = await postgres!.open();
    const env = {
      DATABASE_URL: (database as { url?: string }).url!,
      SECRET_KEY: randomBytes(32).toString('base64url'),
      EVENT_KEY: randomBytes(32).toString('base64url'),
      NODE_ENV: 'test',
      INSTANCE_DIR: '/nonexistent',
    };
    const nodes = [await spawnNode(env), await spawnNode(env)];
    children.push(...nodes.map((n) => n.child));
    const owner = await new TestClient(nodes[0]!.url).signUp('owner');
    const room = (await owner.post('/api/rooms', { name: 'load' })).json.room.id;

    const SENDERS = 5;
    const PER_SENDER = 40;
    const acked = new Map<string, number>();
    const senders = await Promise.all(
      Array.from({ length: SENDERS }, async (_, i) => {
        const client = await new TestClient(nodes[0]!.url).signUp(`sender${i}`);
        await client.post(`/api/rooms/${room}/join`);
        return client;
      }),
    );
    const reader = await new TestClient(nodes[1]!.url).signUp('reader');
    await reader.post(`/api/rooms/${room}/join`);
    const readerSocket = await reader.socket();
    await readerSocket.hello(0);

    /** Sends each message until acked, reconnecting to the surviving node when the socket dies. */
    const run = async (client: TestClient, index: number) => {
      let url = nodes[0]!.url;
      let socket: TestSocket | undefined;
      for (let n = 0; n < PER_SENDER; n++) {
        const id = randomUUID();
        for (let attempt = 0; ; attempt++) {
          try {
            if (!socket || socket.closed) {
              socket = await TestSocket.open(url, { cookie: client.cookie, origin: url });
            }
            socket.send({ type: 'send', id, room, body: `s${index}-${n}` });
            const ack = await Promise.race([
              socket.waitFor((f) => f.type === 'ack' && f.id === id, 3000),
              socket.waitForClose(3000).then(() => Promise.reject(new Error('closed'))),
            ]);
            acked.set(id, ack.position as number);
            break;
          } catch {
            // Unknown outcome: retry the same id (exactly-once makes that safe), on the other node.
            url = nodes[1]!.url;
            socket = undefined;
            if (attempt > 20) throw new Error('gave up');
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
      socket?.close();
    };
    const load = Promise.all(senders.map((client, i) => run(client, i)));
    await new Promise((r) => setTimeout(r, 300));
    nodes[0]!.child.kill('SIGKILL');
    await load;

    expect(acked.size).toBe(SENDERS * PER_SENDER);
    const history = (await reader.get(`/api/rooms/${room}/messages?limit=200`)).json.messages as { id: string; position: number }[];
    const ids = history.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [id, position] of acked) expect(history.find((m) => m.id === id)?.position).toBe(position);
    expect(ids.length).toBe(acked.size);

    // The reader on the surviving node saw every one exactly once, live.
    const last = Math.max(...acked.values());
    await readerSocket.waitFor((f) => f.type === 'event' && f.position === last, 20_000);
    const seen = readerSocket.events('message.sent').map((f) => (f.data as { messageId: string }).messageId);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...acked.keys()].every((id) => seen.includes(id))).toBe(true);
    readerSocket.close();
  });
});
