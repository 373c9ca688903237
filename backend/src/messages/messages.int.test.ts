import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('message routes', (engine) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let admin: TestClient;
  let room: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    admin = await new TestClient(server.url).signUp('admin');
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    room = (await alice.post('/api/rooms', { name: 'chat' })).json.room.id;
    await bob.post(`/api/rooms/${room}/join`);
  });
  afterAll(async () => server?.close());

  const send = (client: TestClient, body: string, id = randomUUID()) => client.post(`/api/rooms/${room}/messages`, { id, body });

  it('sends a message exactly once per id, however often it is retried', async () => {
    const id = randomUUID();
    const first = await send(alice, 'hello <b>world</b>', id);
    expect(first.status).toBe(201);
    const head = await server.app.services.store.head();
    const again = await send(alice, 'hello <b>world</b>', id);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ id, position: first.json.position, duplicate: true });
    expect(await server.app.services.store.head()).toBe(head);
    const stolen = await send(bob, 'not mine', id);
    expect(stolen.status).toBe(409);
    expect(stolen.json.error.code).toBe('command_id_reused');
    const history = await bob.get(`/api/rooms/${room}/messages`);
    expect(history.json.messages.filter((m: { id: string }) => m.id === id)).toEqual([
      { id, position: first.json.position, room, author: { id: alice.user!.id, username: 'alice' }, body: 'hello <b>world</b>', at: expect.any(String) },
    ]);
  });

  it('pages history newest-last with before and limit', async () => {
    const positions: number[] = [];
    for (let i = 0; i < 5; i++) positions.push((await send(bob, `page ${i}`)).json.position);
    const newest = await alice.get(`/api/rooms/${room}/messages?limit=2`);
    expect(newest.json.messages.map((m: { body: string }) => m.body)).toEqual(['page 3', 'page 4']);
    expect(newest.json.hasMore).toBe(true);
    const older = await alice.get(`/api/rooms/${room}/messages?limit=2&before=${positions[3]}`);
    expect(older.json.messages.map((m: { body: string }) => m.body)).toEqual(['page 1', 'page 2']);
    const all = await alice.get(`/api/rooms/${room}/messages?limit=200`);
    expect(all.json.hasMore).toBe(false);
    const sorted = all.json.messages.map((m: { position: number }) => m.position);
    expect(sorted).toEqual([...sorted].sort((a: number, b: number) => a - b));
  });

  it('edits and deletes only one\'s own messages; admins may delete any', async () => {
    const { json: mine } = await send(alice, 'draft');
    const editedByBob = await bob.request('PATCH', `/api/messages/${mine.id}`, { body: 'hacked' });
    expect(editedByBob.status).toBe(403);
    const edited = await alice.request('PATCH', `/api/messages/${mine.id}`, { body: 'final' });
    expect(edited.status).toBe(200);
    let history = (await bob.get(`/api/rooms/${room}/messages`)).json.messages;
    expect(history.find((m: { id: string }) => m.id === mine.id)).toMatchObject({ body: 'final', editedAt: expect.any(String) });

    expect((await bob.request('DELETE', `/api/messages/${mine.id}`)).status).toBe(403);
    expect((await alice.request('DELETE', `/api/messages/${mine.id}`)).status).toBe(200);
    expect((await alice.request('DELETE', `/api/messages/${mine.id}`)).status).toBe(200);
    history = (await bob.get(`/api/rooms/${room}/messages`)).json.messages;
    expect(history.find((m: { id: string }) => m.id === mine.id)).toMatchObject({ body: null, deleted: true });
    expect((await alice.request('PATCH', `/api/messages/${mine.id}`, { body: 'undead' })).status).toBe(404);

    const { json: bobs } = await send(bob, 'spam');
    await admin.post(`/api/rooms/${room}/join`);
    expect((await admin.request('DELETE', `/api/messages/${bobs.id}`)).status).toBe(200);
  });

  it('adds reactions once per user and emoji', async () => {
    const { json: msg } = await send(alice, 'react to me');
    for (const client of [alice, bob, bob]) expect((await client.post(`/api/messages/${msg.id}/reactions`, { emoji: '👍' })).status).toBe(200);
    await bob.post(`/api/messages/${msg.id}/reactions`, { emoji: ':tada:' });
    const found = (await alice.get(`/api/rooms/${room}/messages`)).json.messages.find((m: { id: string }) => m.id === msg.id);
    expect(found.reactions).toEqual([
      { emoji: '👍', users: [alice.user!.id, bob.user!.id] },
      { emoji: ':tada:', users: [bob.user!.id] },
    ]);
  });

  it('refuses posting in a public room one has not joined (403) and in rooms one cannot see (404)', async () => {
    const outsider = await new TestClient(server.url).signUp('outsider');
    const res = await send(outsider, 'let me in');
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('not_a_member');
    expect((await outsider.get(`/api/rooms/${room}/messages`)).status).toBe(200);
  });

  it('refuses a send with the same error as before the append decided access, REST and WebSocket alike', async () => {
    const carol = await new TestClient(server.url).signUp('carol');
    const privateRoom = (await alice.post('/api/rooms', { name: 'inner', kind: 'private' })).json.room.id;
    const dm = (await alice.post('/api/dms', { username: 'bob' })).json.room.id;
    const hidden = { code: 'not_found', message: 'No such room.' };
    const cases = [
      [randomUUID(), 404, hidden],
      [privateRoom, 404, hidden],
      [dm, 404, hidden],
      [room, 403, { code: 'not_a_member', message: 'Join the room before posting in it.' }],
    ] as const;
    const head = await server.app.services.store.head();
    const socket = await carol.socket();
    await socket.hello(0);
    for (const [target, status, error] of cases) {
      const res = await carol.post(`/api/rooms/${target}/messages`, { id: randomUUID(), body: 'let me in' });
      expect({ status: res.status, code: res.json.error.code, message: res.json.error.message }).toEqual({ status, ...error });
      const id = randomUUID();
      socket.send({ type: 'send', id, room: target, body: 'let me in' });
      expect(await socket.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.id === id)).toMatchObject({ type: 'error', ...error });
    }
    socket.close();
    expect(await server.app.services.store.head()).toBe(head);
    // A member who left still gets the first result of a send they repeat.
    const id = randomUUID();
    const first = await send(bob, 'before leaving', id);
    await bob.post(`/api/rooms/${room}/leave`);
    expect((await send(bob, 'before leaving', id)).json).toEqual({ id, position: first.json.position, duplicate: true });
    expect((await send(bob, 'after leaving')).status).toBe(403);
    await bob.post(`/api/rooms/${room}/join`);
  });

  it('accepts 4000-character bodies and refuses 4001, empty and blank ones, writing nothing', async () => {
    expect((await send(alice, '😀'.repeat(4000))).status).toBe(201);
    const head = await server.app.services.store.head();
    for (const body of ['😀'.repeat(4001), '', '   \n ']) {
      const res = await send(alice, body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'invalid_input', field: 'body' });
    }
    expect(await server.app.services.store.head()).toBe(head);
  });
});
