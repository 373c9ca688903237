import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';
import { sampleImages } from '../../test/upload-samples';
import type { TestSocket } from '../../test/ws-client';

const messageIdOf = (frame: Record<string, unknown>) => (frame.data as { messageId?: string } | undefined)?.messageId;

/** Posts `message` and waits until `socket` has it. */
async function sendAndSee(author: TestClient, room: string, socket: TestSocket, body: string): Promise<string> {
  const id = randomUUID();
  expect((await author.post(`/api/rooms/${room}/messages`, { id, body })).status).toBe(201);
  await socket.waitFor((f) => f.type === 'event' && messageIdOf(f) === id);
  return id;
}

describeEachEngine('removing a member (DELETE /api/rooms/:id/members/:userId)', (engine) => {
  let server: TestServer;
  let admin: TestClient;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;
  let eve: TestClient;
  let png: Buffer;
  beforeAll(async () => {
    server = await startTestServer(engine);
    // The first account is the instance's admin.
    admin = await new TestClient(server.url).signUp('root');
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    carol = await new TestClient(server.url).signUp('carol');
    eve = await new TestClient(server.url).signUp('eve');
    png = (await sampleImages()).png;
  });
  afterAll(async () => server?.close());

  /** A private room of alice's with `members` added. */
  async function teamWith(...members: string[]): Promise<string> {
    const room = (await alice.post('/api/rooms', { name: `team-${randomUUID()}`, kind: 'private' })).json.room.id as string;
    for (const username of members) expect((await alice.post(`/api/rooms/${room}/members`, { username })).status).toBe(200);
    return room;
  }

  async function uploadAs(client: TestClient, room: string): Promise<string> {
    const form = new FormData();
    form.set('file', new Blob([png], { type: 'image/png' }), 'dot.png');
    const res = await fetch(`${client.baseUrl}/api/rooms/${room}/uploads`, {
      method: 'POST',
      headers: { cookie: client.cookie!, 'x-csrf-token': client.csrfToken! },
      body: form,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { upload: { id: string } }).upload.id;
  }

  const remove = (by: TestClient, room: string, user: TestClient) => by.request('DELETE', `/api/rooms/${room}/members/${user.user!.id}`);

  it("cuts the removed member off at once: live delivery, REST reads and the room's uploads", async () => {
    const room = await teamWith('bob');
    const uploadId = await uploadAs(alice, room);
    expect((await bob.get(`/api/uploads/${uploadId}`)).status).toBe(200);
    const [aliceSocket, bobSocket] = [await alice.socket(), await bob.socket()];
    try {
      await Promise.all([aliceSocket.hello(0), bobSocket.hello(0)]);
      await sendAndSee(alice, room, bobSocket, 'while bob is in');

      expect((await remove(alice, room, bob)).status).toBe(204);
      // Bob's device hears of its own removal (so its replica drops the room), then nothing more.
      const removal = await bobSocket.waitFor((f) => f.type === 'event' && f.event === 'room.left' && f.room === room);
      expect(removal).toMatchObject({ actor: alice.user!.id, data: { roomId: room, userId: bob.user!.id } });
      const after = await sendAndSee(alice, room, aliceSocket, 'after bob was removed');
      const general = (await bob.get('/api/rooms')).json.rooms.find((r: { kind: string }) => r.kind === 'public').id as string;
      await sendAndSee(alice, general, bobSocket, 'a marker in a room bob is still in');
      expect(bobSocket.frames.some((f) => messageIdOf(f) === after)).toBe(false);

      expect((await bob.get(`/api/rooms/${room}/messages`)).status).toBe(404);
      expect((await bob.get(`/api/rooms/${room}/members`)).status).toBe(404);
      expect((await bob.get('/api/rooms')).json.rooms.map((r: { id: string }) => r.id)).not.toContain(room);
      expect((await bob.get(`/api/uploads/${uploadId}`)).status).toBe(404);
      const members = (await alice.get(`/api/rooms/${room}/members`)).json.members.map((m: { username: string }) => m.username);
      expect(members).toEqual(['alice']);
    } finally {
      aliceSocket.close();
      bobSocket.close();
    }
  });

  it('refuses a member who did not create the room (403) and changes nothing', async () => {
    const room = await teamWith('bob', 'carol');
    const res = await remove(carol, room, bob);
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
    expect((await bob.get(`/api/rooms/${room}/messages`)).status).toBe(200);
  });

  it('answers an outsider exactly as for a room that does not exist (404)', async () => {
    const room = await teamWith('bob');
    const got = await remove(eve, room, bob);
    const baseline = await eve.request('DELETE', `/api/rooms/${randomUUID()}/members/${bob.user!.id}`);
    expect(got.status).toBe(404);
    expect(got.json).toEqual(baseline.json);
    expect((await bob.get(`/api/rooms/${room}/messages`)).status).toBe(200);
  });

  it('answers 404 for someone who is not a member', async () => {
    const room = await teamWith();
    const res = await remove(alice, room, eve);
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it('lets an admin remove a member of a room the admin is not in', async () => {
    const room = await teamWith('carol');
    expect((await remove(admin, room, carol)).status).toBe(204);
    expect((await carol.get(`/api/rooms/${room}/messages`)).status).toBe(404);
  });

  it('refuses to remove anyone from a DM (400)', async () => {
    const dm = (await alice.post('/api/dms', { username: 'bob' })).json.room.id as string;
    const res = await remove(alice, dm, bob);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_input');
    expect((await bob.get(`/api/rooms/${dm}/messages`)).status).toBe(200);
  });

  it('needs the CSRF token with a cookie session (403 csrf_failed)', async () => {
    const room = await teamWith('bob');
    const res = await alice.request('DELETE', `/api/rooms/${room}/members/${bob.user!.id}`, undefined, { 'x-csrf-token': 'wrong' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('csrf_failed');
    expect((await bob.get(`/api/rooms/${room}/messages`)).status).toBe(200);
  });
});
