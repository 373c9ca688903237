import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

/** Bodies that are wrong in every way a client can be wrong. */
const GARBAGE: unknown[] = [
  '{"unterminated',
  'null',
  '[]',
  '"a string"',
  '12',
  {},
  { username: 42, password: ['x'], name: { nested: true }, body: null, id: 7, position: -1, emoji: '' },
  { username: 'a'.repeat(10_000), password: 'b'.repeat(10_000), name: 'c'.repeat(10_000), body: 'd'.repeat(60_000) },
  { __proto__: { admin: true }, constructor: { prototype: { isAdmin: true } } },
];

describeEachEngine('bad input', (engine) => {
  let server: TestServer;
  let client: TestClient;
  let room: string;
  let message: string;
  beforeAll(async () => {
    server = await startTestServer(engine);
    client = await new TestClient(server.url).signUp('tester');
    room = (await client.post('/api/rooms', { name: 'r' })).json.room.id;
    message = (await client.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'x' })).json.id;
  });
  afterAll(async () => server?.close());

  it('answers every malformed body on every route with a 4xx JSON error, and writes nothing', async () => {
    const routes: [string, string][] = [
      ['POST', '/api/auth/register'],
      ['POST', '/api/auth/login'],
      ['POST', '/api/auth/token'],
      ['POST', '/api/rooms'],
      ['POST', '/api/dms'],
      ['POST', `/api/rooms/${room}/members`],
      ['POST', `/api/rooms/${room}/messages`],
      ['POST', `/api/rooms/${room}/read`],
      ['PATCH', `/api/messages/${message}`],
      ['POST', `/api/messages/${message}/reactions`],
      ['POST', '/api/admin/users'],
    ];
    const head = await server.app.services.store.head();
    for (const [method, path] of routes) {
      for (const body of GARBAGE) {
        const res = await client.request(method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body).slice(0, 60)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expect(res.json.error).toEqual(expect.objectContaining({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) }));
      }
    }
    expect(await server.app.services.store.head()).toBe(head);
  });

  it('names the invalid field', async () => {
    const res = await new TestClient(server.url).post('/api/auth/register', { username: 'ok_name', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_input', field: 'password' });
  });

  it('refuses bad query strings with 400', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'before=-5', 'before=1.5']) {
      const res = await client.get(`/api/rooms/${room}/messages?${query}`);
      expect(res.status, query).toBe(400);
    }
    expect((await client.get(`/api/users?query=${'x'.repeat(65)}`)).status).toBe(400);
  });

  it('answers unknown API routes 404 and wrong methods 405', async () => {
    const unknown = await client.get('/api/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    for (const [method, path] of [
      ['PUT', '/api/rooms'],
      ['DELETE', '/api/auth/login'],
      ['GET', '/api/auth/register'],
      ['PROPFIND', '/api/rooms'],
    ] as const) {
      const res = await client.request(method, path);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.json.error.code).toBe('method_not_allowed');
    }
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await client.post(`/api/rooms/${room}/messages`, { id: randomUUID(), body: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('too_large');
  });

  it('answers the health check', async () => {
    const res = await client.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
  });
});
