import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

/**
 * The gateway's guarantees while live events are held back (see
 * PublishWindow): here every publish that follows another within 100 ms
 * waits, whatever its audience, so holds overlap every subscription change.
 */
describeEachEngine('WebSocket gateway while publishes are held', (engine) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let room: string;
  beforeAll(async () => {
    server = await startTestServer(engine, {}, undefined, undefined, undefined, {
      rate: 200,
      burst: 400,
      publishHold: { maxMs: 100, usPerSubscriber: 1_000_000 },
    });
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    room = (await alice.post('/api/rooms', { name: 'held' })).json.room.id;
    await bob.post(`/api/rooms/${room}/join`);
  });
  afterAll(async () => server?.close());

  const bodyOf = (f: Record<string, unknown>) => (f.data as { body?: string } | undefined)?.body;

  it('acks a send and delivers it to everyone once, the event possibly after the ack', async () => {
    const [a, b] = await Promise.all([alice.socket(), bob.socket()]);
    const head = await server.app.services.store.head();
    await Promise.all([a.hello(head), b.hello(head)]);
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) a.send({ type: 'send', id, room, body: id });
    for (const s of [a, b]) await s.waitFor((f) => f.type === 'event' && bodyOf(f) === ids.at(-1));
    for (const s of [a, b]) expect(s.events('message.sent').map(bodyOf)).toEqual(ids);
    expect(a.frames.filter((f) => f.type === 'ack').map((f) => f.id)).toEqual(ids);
    a.close();
    b.close();
  });

  it('hands a catch-up over to live with no gap and no duplicate while events are held', async () => {
    const watcher = await alice.socket();
    await watcher.hello(await server.app.services.store.head());
    const since = await server.app.services.store.head();
    const sent: number[] = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending || i < 30; i++) {
        sent.push((await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `during ${i}` })).json.position);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const b = await bob.socket();
    await b.hello(since);
    sending = false;
    await sender;
    await b.waitFor((f) => f.type === 'event' && f.position === sent.at(-1), 20_000);
    const positions = b.events('message.sent').map((f) => f.position as number);
    expect(positions).toEqual(sent);
    watcher.close();
    b.close();
  });

  it('subscribes on join and unsubscribes on leave, with events held on either side', async () => {
    const carol = await new TestClient(server.url).signUp('carol');
    const lobby = (await carol.get('/api/rooms')).json.rooms[0].id as string;
    const [c, watcher] = await Promise.all([carol.socket(), alice.socket()]);
    const head = await server.app.services.store.head();
    await Promise.all([c.hello(head), watcher.hello(head)]);
    const news = (await alice.post('/api/rooms', { name: 'news' })).json.room.id;
    await alice.post(`/api/rooms/${news}/messages`, { id: randomUUID(), body: 'before join' });
    await carol.post(`/api/rooms/${news}/join`);
    await alice.post(`/api/rooms/${news}/messages`, { id: randomUUID(), body: 'after join' });
    await carol.post(`/api/rooms/${news}/leave`);
    await alice.post(`/api/rooms/${news}/messages`, { id: randomUUID(), body: 'after leave' });
    await alice.post(`/api/rooms/${lobby}/messages`, { id: randomUUID(), body: 'marker' });
    await c.waitFor((f) => f.type === 'event' && bodyOf(f) === 'marker');
    expect(c.events('message.sent').map(bodyOf)).toEqual(['after join', 'marker']);
    expect(c.events('room.joined').filter((f) => f.room === news)).toHaveLength(1);
    expect(c.events('room.left').filter((f) => f.room === news)).toHaveLength(1);
    c.close();
    watcher.close();
  });
});
