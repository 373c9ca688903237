import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { securityEngine } from './security-server';
import { attack } from './tally';

describe('CSRF: cookie-authenticated unsafe requests', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let general: string;
  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    alice = await new TestClient(server.url).signUp('alice');
    bob = await new TestClient(server.url).signUp('bob');
    general = (await alice.get('/api/rooms')).json.rooms[0].id;
  });
  afterAll(async () => server?.close());

  it('refuses a missing, wrong or foreign token and a foreign Origin with 403 csrf_failed, and writes nothing', async () => {
    const publicRooms = async () => (await alice.get('/api/rooms/public')).json.rooms.length;
    const messages = async () => (await alice.get(`/api/rooms/${general}/messages`)).json.messages.length;
    const [roomsBefore, messagesBefore] = [await publicRooms(), await messages()];
    const forgeries: [string, Record<string, string>][] = [
      ['no token', { 'x-csrf-token': '' }],
      ['wrong token', { 'x-csrf-token': 'A'.repeat(43) }],
      ["another user's token", { 'x-csrf-token': bob.csrfToken! }],
      ['right token, foreign Origin', { origin: 'https://evil.example' }],
      ['right token, Origin null', { origin: 'null' }],
      ['right token, look-alike Origin', { origin: `${server.url}.evil.example` }],
    ];
    const requests: [string, string, unknown][] = [
      ['POST', '/api/rooms', { name: 'forged' }],
      ['POST', `/api/rooms/${general}/messages`, { id: crypto.randomUUID(), body: 'forged' }],
      ['POST', '/api/dms', { username: 'bob' }],
      ['POST', '/api/auth/logout', {}],
    ];
    for (const [forgery, headers] of forgeries) {
      for (const [method, path, body] of requests) {
        await attack(`CSRF ${forgery}: ${method} ${path}`, async () => {
          const res = await alice.request(method, path, body, headers);
          expect(res.status, `${forgery} ${path}`).toBe(403);
          expect(res.json.error.code).toBe('csrf_failed');
        });
      }
    }
    expect([await publicRooms(), await messages()]).toEqual([roomsBefore, messagesBefore]);
    // The session survived every forged logout.
    expect((await alice.get('/api/me')).status).toBe(200);
    // Control: the genuine request passes.
    expect((await alice.post('/api/rooms', { name: 'genuine' })).status).toBe(201);
  });
});
