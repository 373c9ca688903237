import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import type { TestSocket } from '../ws-client';
import { securityEngine } from './security-server';
import { attack } from './tally';

/** A valid 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function uploadForm(): FormData {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'dot.png');
  return form;
}

/** POSTs a multipart upload with `client`'s session (fetch sets the multipart content type). */
async function upload(client: TestClient, roomId: string) {
  const res = await fetch(`${client.baseUrl}/api/rooms/${roomId}/uploads`, {
    method: 'POST',
    headers: { cookie: client.cookie!, 'x-csrf-token': client.csrfToken!, origin: client.baseUrl },
    body: uploadForm(),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as { upload?: { id: string } } | undefined };
}

describe('object-level access: a non-member and a private room or a DM', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let mallory: TestClient;
  let privateRoom: string;
  let dm: string;
  const secrets = { private: `private-${randomUUID()}`, dm: `dm-${randomUUID()}` };
  const messageIn: Record<string, string> = {};
  const uploadIn: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    mallory = await new TestClient(server.url).signUp('mallory');
    privateRoom = (await alice.post('/api/rooms', { name: 'secret plans', kind: 'private' })).json.room.id;
    await alice.post(`/api/rooms/${privateRoom}/members`, { username: 'bob' });
    dm = (await alice.post('/api/dms', { username: 'bob' })).json.room.id;
    for (const [name, room] of [['private', privateRoom], ['dm', dm]] as const) {
      messageIn[room] = randomUUID();
      expect((await alice.post(`/api/rooms/${room}/messages`, { id: messageIn[room], body: secrets[name] })).status).toBe(201);
      const uploaded = await upload(alice, room);
      expect(uploaded.status).toBe(201);
      uploadIn[room] = uploaded.json!.upload!.id;
    }
  });
  afterAll(async () => server?.close());

  /** Every REST route touching a room, a message or an upload, with the ids a request would use. */
  const restRoutes = (room: string, message: string, uploadId: string) => [
    ['GET', `/api/rooms/${room}/messages`],
    ['POST', `/api/rooms/${room}/messages`, { id: randomUUID(), body: 'let me in' }],
    ['POST', `/api/rooms/${room}/read`, { position: 1 }],
    ['POST', `/api/rooms/${room}/join`],
    ['POST', `/api/rooms/${room}/leave`],
    ['GET', `/api/rooms/${room}/members`],
    ['POST', `/api/rooms/${room}/members`, { username: 'mallory' }],
    ['PATCH', `/api/messages/${message}`, { body: 'defaced' }],
    ['DELETE', `/api/messages/${message}`],
    ['POST', `/api/messages/${message}/reactions`, { emoji: '💩' }],
    ['GET', `/api/uploads/${uploadId}`],
  ] as const;

  it('answers every REST route exactly as for an id that does not exist: 404', async () => {
    for (const room of [privateRoom, dm]) {
      const real = restRoutes(room, messageIn[room]!, uploadIn[room]!);
      const absent = restRoutes(randomUUID(), randomUUID(), randomUUID());
      for (const [i, [method, path, body]] of real.entries()) {
        await attack(`non-member ${method} ${path}`, async () => {
          const got = await mallory.request(method, path, body);
          const baseline = await mallory.request(method, absent[i]![1], absent[i]![2]);
          expect(got.status, `${method} ${path}`).toBe(404);
          expect({ status: got.status, json: got.json }).toEqual({ status: baseline.status, json: baseline.json });
        });
      }
      await attack(`non-member upload into ${room}`, async () => {
        const got = await upload(mallory, room);
        const baseline = await upload(mallory, randomUUID());
        expect(got.status).toBe(404);
        expect(got).toEqual(baseline);
      });
    }
    // Nothing any of that tried was written.
    for (const room of [privateRoom, dm]) {
      const history = (await alice.get(`/api/rooms/${room}/messages`)).json.messages as { id: string; body: string; reactions?: unknown[] }[];
      expect(history.map((m) => m.id)).toEqual([messageIn[room], expect.any(String)].slice(0, history.length));
      expect(history[0]).toMatchObject({ body: room === privateRoom ? secrets.private : secrets.dm });
      expect(history[0]!.reactions ?? []).toEqual([]);
      const members = (await alice.get(`/api/rooms/${room}/members`)).json;
      expect(JSON.stringify(members)).not.toContain('mallory');
    }
  });

  it('refuses WebSocket send, edit, delete, react, read and typing with the not_found of a missing id', async () => {
    const socket = await mallory.socket();
    await socket.hello(0);
    for (const room of [privateRoom, dm]) {
      const frames = (target: string, message: string) => [
        { type: 'send', id: randomUUID(), room: target, body: 'let me in' },
        { type: 'edit', id: randomUUID(), message, body: 'defaced' },
        { type: 'delete', id: randomUUID(), message },
        { type: 'react', id: randomUUID(), message, emoji: '💩' },
      ];
      const real = frames(room, messageIn[room]!);
      const absent = frames(randomUUID(), randomUUID());
      for (const [i, frame] of real.entries()) {
        await attack(`non-member WS ${frame.type} in ${room}`, async () => {
          const got = await request(socket, frame);
          const baseline = await request(socket, absent[i]!);
          expect(got).toMatchObject({ type: 'error', code: 'not_found' });
          expect({ ...got, id: undefined }).toEqual({ ...baseline, id: undefined });
        });
      }
      for (const frame of [{ type: 'read', room, position: 1 }, { type: 'typing', room }]) {
        await attack(`non-member WS ${frame.type} in ${room}`, async () => {
          const before = socket.frames.length;
          socket.send(frame);
          const refusal = await socket.waitFor((f) => socket.frames.indexOf(f) >= before && f.type === 'error');
          expect(refusal).toMatchObject({ code: 'not_found' });
        });
      }
    }
    socket.close();
  });

  it('leaks nothing through catch-up, live delivery, room lists, unread counts or the user directory', async () => {
    const socket = await mallory.socket();
    await socket.hello(0);
    // Later traffic in the private room and the DM, while mallory listens.
    for (const room of [privateRoom, dm]) await alice.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: `${secrets.private} again` });
    const marker = randomUUID();
    const general = (await mallory.get('/api/rooms')).json.rooms.find((r: { kind: string }) => r.kind === 'public').id;
    await alice.post(`/api/rooms/${general}/messages`, { id: marker, body: 'public' });
    await socket.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === marker);
    const everything = JSON.stringify(socket.frames);
    await attack('catch-up (hello since 0) and live events of rooms not joined', () => {
      expect(socket.frames.filter((f) => f.room === privateRoom || f.room === dm)).toEqual([]);
      expect(everything).not.toContain(secrets.private);
      expect(everything).not.toContain(secrets.dm);
      expect(everything).not.toContain(privateRoom);
      expect(everything).not.toContain(dm);
    });
    socket.close();
    for (const path of ['/api/rooms', '/api/rooms/public', '/api/users?query=', '/api/users?query=a', '/api/me']) {
      await attack(`listing ${path}`, async () => {
        const text = (await mallory.get(path)).text;
        for (const hidden of [privateRoom, dm, secrets.private, secrets.dm, 'secret plans']) expect(text, path).not.toContain(hidden);
      });
    }
    await attack('unread counts', async () => {
      const rooms = (await mallory.get('/api/rooms')).json.rooms as { id: string; unread: number }[];
      expect(rooms.map((r) => r.id)).toEqual([general]);
    });
  });

  it.each([
    ['left', 'carol', (member: TestClient, room: string) => member.post(`/api/rooms/${room}/leave`)],
    ['was removed', 'dave', (member: TestClient, room: string) => alice.request('DELETE', `/api/rooms/${room}/members/${member.user!.id}`)],
  ] as const)('stops live delivery to a member who %s, from the next event on', async (how, name, goOut) => {
    const member = await new TestClient(server.url).signUp(name);
    await alice.post(`/api/rooms/${privateRoom}/members`, { username: name });
    const socket = await member.socket();
    await socket.hello(0);
    const before = randomUUID();
    await alice.post(`/api/rooms/${privateRoom}/messages`, { id: before, body: `while ${name} is in` });
    await socket.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === before);
    expect((await goOut(member, privateRoom)).status).toBe(204);
    const after = randomUUID();
    await alice.post(`/api/rooms/${privateRoom}/messages`, { id: after, body: `${secrets.private} after ${name} ${how}` });
    const marker = randomUUID();
    const general = (await member.get('/api/rooms')).json.rooms[0].id;
    await alice.post(`/api/rooms/${general}/messages`, { id: marker, body: 'public' });
    await socket.waitFor((f) => f.type === 'event' && (f.data as { messageId?: string }).messageId === marker);
    await attack(`live delivery after a member ${how}`, () => {
      expect(socket.frames.some((f) => (f.data as { messageId?: string } | undefined)?.messageId === after)).toBe(false);
    });
    await attack(`REST history after a member ${how}`, async () => {
      expect((await member.get(`/api/rooms/${privateRoom}/messages`)).status).toBe(404);
    });
    socket.close();
  });
});

/** Sends a command frame and resolves with the ack or error carrying its id. */
function request(socket: TestSocket, frame: { id: string }) {
  socket.send(frame);
  return socket.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.id === frame.id);
}
