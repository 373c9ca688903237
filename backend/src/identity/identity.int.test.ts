import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../../test/engines';
import { startTestServer, TestClient, type TestServer } from '../../test/test-app';

describeEachEngine('identity routes', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { ADMIN_USERS: 'Carol' });
  });
  afterAll(async () => server?.close());

  it('registers the first account as admin, with an HttpOnly SameSite=Lax session cookie', async () => {
    const client = new TestClient(server.url);
    const res = await client.post('/api/auth/register', { username: 'Alice', password: 'password123' });
    expect(res.status).toBe(201);
    expect(res.json.user).toMatchObject({ username: 'Alice', isAdmin: true });
    expect(res.json.csrfToken).toEqual(expect.any(String));
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/cl_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
    expect(cookie).not.toMatch(/Max-Age/);
    expect(JSON.stringify(res.json)).not.toMatch(/scrypt|password/i);
  });

  it('makes later accounts non-admins, except those named in ADMIN_USERS', async () => {
    const bob = await new TestClient(server.url).signUp('bob');
    expect(bob.user!.isAdmin).toBe(false);
    const carol = await new TestClient(server.url).signUp('carol');
    expect(carol.user!.isAdmin).toBe(true);
  });

  it('refuses a taken username without regard to case (409) and writes nothing', async () => {
    const head = await server.app.services.store.head();
    const res = await new TestClient(server.url).post('/api/auth/register', { username: 'ALICE', password: 'password123' });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('username_taken');
    expect(await server.app.services.store.head()).toBe(head);
  });

  it('logs in, shows /api/me, and logs out everywhere at once', async () => {
    const browser = new TestClient(server.url);
    const login = await browser.post('/api/auth/login', { username: 'alice', password: 'password123' });
    expect(login.status).toBe(200);
    browser.csrfToken = login.json.csrfToken;
    const me = await browser.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.json.user.username).toBe('Alice');
    expect(me.json.csrfToken).toBe(login.json.csrfToken);

    const stolenCookie = browser.cookie;
    const logout = await browser.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/cl_session=; .*Max-Age=0/);
    const replay = new TestClient(server.url);
    replay.cookie = stolenCookie;
    expect((await replay.get('/api/me')).status).toBe(401);
  });

  it('gives "remember me" a persistent cookie', async () => {
    const res = await new TestClient(server.url).post('/api/auth/login', { username: 'bob', password: 'correct horse battery', remember: true });
    expect(res.status).toBe(200);
    const maxAge = Number(/Max-Age=(\d+)/.exec(res.headers.get('set-cookie')!)?.[1]);
    expect(maxAge).toBeGreaterThan(29 * 24 * 3600);
  });

  it('answers wrong credentials and unknown users alike with 401 invalid_credentials', async () => {
    const client = new TestClient(server.url);
    const wrong = await client.post('/api/auth/login', { username: 'bob', password: 'not the password' });
    const unknown = await client.post('/api/auth/login', { username: 'nobody', password: 'not the password' });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_credentials');
    }
    expect(wrong.json.error.message).toBe(unknown.json.error.message);
  });

  it('issues Bearer tokens that need no CSRF token, and stop working after logout', async () => {
    const res = await new TestClient(server.url).post('/api/auth/token', { username: 'bob', password: 'correct horse battery' });
    expect(res.status).toBe(200);
    expect(new Date(res.json.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const bot = new TestClient(server.url);
    bot.bearer = res.json.token;
    expect((await bot.get('/api/me')).json.user.username).toBe('bob');
    expect((await bot.post('/api/rooms', { name: 'bots' })).status).toBe(201);
    expect((await bot.post('/api/auth/logout')).status).toBe(204);
    expect((await bot.get('/api/me')).status).toBe(401);
  });

  it('requires the CSRF token on cookie-authenticated unsafe requests, and refuses foreign origins', async () => {
    const client = await new TestClient(server.url).signUp('dave');
    const missing = await client.post('/api/rooms', { name: 'x' }, { 'x-csrf-token': '' });
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('csrf_failed');
    const wrong = await client.post('/api/rooms', { name: 'x' }, { 'x-csrf-token': 'forged' });
    expect(wrong.status).toBe(403);
    const foreign = await client.post('/api/rooms', { name: 'x' }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.json.error.code).toBe('csrf_failed');
    const sameOrigin = await client.post('/api/rooms', { name: 'x' }, { origin: server.url });
    expect(sameOrigin.status).toBe(201);
  });

  it('refuses requests without credentials or with a forged token', async () => {
    expect((await new TestClient(server.url).get('/api/me')).status).toBe(401);
    const forged = new TestClient(server.url);
    forged.bearer = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
    const res = await forged.get('/api/rooms');
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it('rate-limits repeated failed logins for one username (429 with Retry-After)', async () => {
    const client = new TestClient(server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await client.post('/api/auth/login', { username: 'carol', password: 'wrong password' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const limited = await client.post('/api/auth/login', { username: 'carol', password: 'correct horse battery' });
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('lists users by part of their name, with presence, never with hashes', async () => {
    const client = await new TestClient(server.url).signUp('erin');
    const res = await client.get('/api/users?query=AR');
    expect(res.status).toBe(200);
    expect(res.json.users).toEqual([{ id: expect.any(String), username: 'carol', online: false }]);
    const all = await client.get('/api/users?query=%25');
    expect(all.json.users).toEqual([]);
  });
});

describeEachEngine('closed registration', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { REGISTRATION: 'closed' });
  });
  afterAll(async () => server?.close());

  it('lets the first account register (as admin), then only admins create accounts', async () => {
    const owner = await new TestClient(server.url).signUp('root');
    expect(owner.user!.isAdmin).toBe(true);
    const head = await server.app.services.store.head();
    const refused = await new TestClient(server.url).post('/api/auth/register', { username: 'mallory', password: 'password123' });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('registration_closed');
    expect(await server.app.services.store.head()).toBe(head);

    const created = await owner.post('/api/admin/users', { username: 'newbie', password: 'password123' });
    expect(created.status).toBe(201);
    expect(created.json.user).toMatchObject({ username: 'newbie', isAdmin: false });

    const newbie = new TestClient(server.url);
    const login = await newbie.post('/api/auth/login', { username: 'newbie', password: 'password123' });
    expect(login.status).toBe(200);
    newbie.csrfToken = login.json.csrfToken;
    const denied = await newbie.post('/api/admin/users', { username: 'other', password: 'password123' });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('forbidden');
  });
});
