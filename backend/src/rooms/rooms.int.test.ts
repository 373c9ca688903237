import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('room and DM routes', (engine) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let eve: TestClient;
  beforeAll(async () => {
    server = await startTestServer(engine, { DEFAULT_ROOM: 'lobby' });
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    eve = await new TestClient(server.url).signUp('eve');
  });
  afterAll(async () => server?.close());

  it('puts every new account in the default room (DEFAULT_ROOM)', async () => {
    const res = await bob.get('/api/rooms');
    expect(res.json.rooms).toEqual([{ id: expect.any(String), name: 'lobby', kind: 'public', unread: 0, lastPosition: expect.any(Number), createdBy: null }]);
  });

  it('creates a public room that others can find and join', async () => {
    const created = await alice.post('/api/rooms', { name: '  random  ' });
    expect(created.status).toBe(201);
    expect(created.json.room).toMatchObject({ name: 'random', kind: 'public', unread: 0 });
    const listed = await bob.get('/api/rooms/public');
    expect(listed.json.rooms.find((r: { id: string }) => r.id === created.json.room.id)).toMatchObject({ joined: false, members: 1 });
    const joined = await bob.post(`/api/rooms/${created.json.room.id}/join`);
    expect(joined.status).toBe(200);
    expect(joined.json.room.id).toBe(created.json.room.id);
    expect((await bob.post(`/api/rooms/${created.json.room.id}/join`)).status).toBe(200);
    expect((await bob.get('/api/rooms')).json.rooms.map((r: { name: string }) => r.name)).toContain('random');
  });

  it('hides private rooms from non-members: the same 404 as a room that does not exist', async () => {
    const secret = (await alice.post('/api/rooms', { name: 'secret', kind: 'private' })).json.room;
    expect((await eve.get('/api/rooms/public')).json.rooms.map((r: { name: string }) => r.name)).not.toContain('secret');
    for (const id of [secret.id, randomUUID(), 'not-a-uuid']) {
      for (const res of [
        await eve.post(`/api/rooms/${id}/join`),
        await eve.post(`/api/rooms/${id}/leave`),
        await eve.post(`/api/rooms/${id}/members`, { username: 'eve' }),
        await eve.get(`/api/rooms/${id}/messages`),
        await eve.post(`/api/rooms/${id}/messages`, { id: randomUUID(), body: 'hi' }),
      ]) {
        expect(res.status).toBe(404);
        expect(res.json.error.code).toBe('not_found');
      }
    }
  });

  it('lets a member add someone to a private room', async () => {
    const team = (await alice.post('/api/rooms', { name: 'team', kind: 'private' })).json.room;
    const added = await alice.post(`/api/rooms/${team.id}/members`, { username: 'BOB' });
    expect(added.status).toBe(200);
    expect((await bob.get('/api/rooms')).json.rooms.map((r: { id: string }) => r.id)).toContain(team.id);
    const unknown = await alice.post(`/api/rooms/${team.id}/members`, { username: 'nobody' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('user_not_found');
  });

  it('leaves a room: 204, and it is gone from the list', async () => {
    const room = (await alice.post('/api/rooms', { name: 'short-lived', kind: 'private' })).json.room;
    expect((await alice.post(`/api/rooms/${room.id}/leave`)).status).toBe(204);
    expect((await alice.get('/api/rooms')).json.rooms.map((r: { id: string }) => r.id)).not.toContain(room.id);
    expect((await alice.get(`/api/rooms/${room.id}/messages`)).status).toBe(404);
  });

  it('gives a pair of users one DM room, named after the other person, closed to everyone else', async () => {
    const fromAlice = await alice.post('/api/dms', { username: 'bob' });
    const fromBob = await bob.post('/api/dms', { username: 'Alice' });
    expect(fromAlice.status).toBe(200);
    expect(fromAlice.json.room.id).toBe(fromBob.json.room.id);
    expect(fromAlice.json.room).toMatchObject({ kind: 'dm', name: 'bob' });
    expect(fromBob.json.room).toMatchObject({ kind: 'dm', name: 'alice' });
    const dm = fromAlice.json.room.id;
    expect((await eve.get(`/api/rooms/${dm}/messages`)).status).toBe(404);
    expect((await eve.post(`/api/rooms/${dm}/join`)).status).toBe(404);
    const addToDm = await alice.post(`/api/rooms/${dm}/members`, { username: 'eve' });
    expect(addToDm.status).toBe(403);
    expect((await alice.post('/api/dms', { username: 'nobody' })).status).toBe(404);
  });

  it('counts unread messages per member and clears them when read', async () => {
    const room = (await alice.post('/api/rooms', { name: 'news' })).json.room;
    await bob.post(`/api/rooms/${room.id}/join`);
    let last = 0;
    for (let i = 0; i < 3; i++) last = (await alice.post(`/api/rooms/${room.id}/messages`, { id: randomUUID(), body: `n${i}` })).json.position;
    const unread = (await bob.get('/api/rooms')).json.rooms.find((r: { id: string }) => r.id === room.id);
    expect(unread).toMatchObject({ unread: 3, lastPosition: last });
    expect((await alice.get('/api/rooms')).json.rooms.find((r: { id: string }) => r.id === room.id).unread).toBe(0);
    expect((await bob.post(`/api/rooms/${room.id}/read`, { position: last - 1 })).status).toBe(200);
    expect((await bob.get('/api/rooms')).json.rooms.find((r: { id: string }) => r.id === room.id).unread).toBe(1);
    await bob.post(`/api/rooms/${room.id}/read`, { position: Number.MAX_SAFE_INTEGER });
    expect((await bob.get('/api/rooms')).json.rooms.find((r: { id: string }) => r.id === room.id).unread).toBe(0);
  });
});
