import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('room member list (GET /api/rooms/:id/members)', (engine) => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let eve: TestClient;
  beforeAll(async () => {
    server = await startTestServer(engine);
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('Bob');
    eve = await new TestClient(server.url).signUp('eve');
  });
  afterAll(async () => server?.close());

  it('lists the members of a private room by name, with presence', async () => {
    const team = (await alice.post('/api/rooms', { name: 'team', kind: 'private' })).json.room;
    await alice.post(`/api/rooms/${team.id}/members`, { username: 'bob' });
    const socket = await bob.socket();
    try {
      const res = await alice.get(`/api/rooms/${team.id}/members`);
      expect(res.status).toBe(200);
      expect(res.json.members).toEqual([
        { id: alice.user!.id, username: 'alice', online: false },
        { id: bob.user!.id, username: 'Bob', online: true },
      ]);
    } finally {
      socket.close();
    }
  });

  it('answers 404 to someone outside a private room, as for a room that does not exist', async () => {
    const secret = (await alice.post('/api/rooms', { name: 'secret', kind: 'private' })).json.room;
    const res = await eve.get(`/api/rooms/${secret.id}/members`);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});
