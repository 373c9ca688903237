import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { TestSocket } from '../ws-client';
import { securityEngine } from './security-server';
import { attack } from './tally';

const PASSWORD = 'correct horse battery';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

describe('passwords', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Client addresses come from X-Forwarded-For, so each test controls the per-IP limit.
    server = await startTestServer(securityEngine, { TRUST_PROXY: 'true', ADMIN_USERS: 'hashcheck' });
  });
  afterAll(async () => server?.close());

  const login = (username: string, password: string, ip: string) =>
    fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ username, password }),
    });

  it('rate limits guessing per username and per address', async () => {
    await new TestClient(server.url).signUp('victim', PASSWORD);
    await attack('password guessing against one username from many addresses', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login('victim', `guess-${i}-xx`, `10.1.0.${i}`)).status);
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429]);
      // Even the right password is refused while the limit holds: guessing cannot confirm a hit.
      const right = await login('victim', PASSWORD, '10.1.0.99');
      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    });
    await attack('credential stuffing from one address', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 52; i++) statuses.push((await login(`someone${i}`, 'whatever-pass', '10.2.0.1')).status);
      expect(statuses.slice(0, 50).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(50)).toEqual([429, 429]);
    });
  });

  it('takes as long for an unknown username as for a wrong password', async () => {
    const users = ['timing_a', 'timing_b', 'timing_c', 'timing_d', 'timing_e', 'timing_f'];
    for (const user of users) await new TestClient(server.url).signUp(user, PASSWORD);
    const unknown: number[] = [];
    const wrong: number[] = [];
    const time = async (username: string, ip: string) => {
      const started = performance.now();
      const res = await login(username, 'not-the-password', ip);
      const elapsed = performance.now() - started;
      expect(res.status).toBe(401);
      return elapsed;
    };
    // Interleaved, so drift in machine load affects both samples alike; 8 guesses per user stay under its limit.
    for (let i = 0; i < 48; i++) {
      unknown.push(await time(`nobody_${i}`, `10.3.${i}.1`));
      wrong.push(await time(users[i % users.length]!, `10.4.${i}.1`));
    }
    const [mUnknown, mWrong] = [median(unknown), median(wrong)];
    console.log(`login timing: median unknown user ${mUnknown.toFixed(1)} ms, wrong password ${mWrong.toFixed(1)} ms (n=48 each)`);
    await attack('username enumeration by login timing', () => {
      // Generous: scrypt dominates (tens of ms); a user lookup shortcut would halve one side.
      expect(Math.abs(mUnknown - mWrong)).toBeLessThan(Math.max(5, 0.25 * Math.min(mUnknown, mWrong)));
    });
  });

  it('never exposes a password hash through any route or frame', async () => {
    const admin = await new TestClient(server.url).signUp('hashcheck', PASSWORD);
    const hashes = (await server.database.db.selectFrom('users').select('password_hash').execute()).map((r) => r.password_hash);
    expect(hashes.length).toBeGreaterThan(0);
    const general = (await admin.get('/api/rooms')).json.rooms[0].id;
    const token = (await admin.post('/api/auth/token', { username: 'hashcheck', password: PASSWORD })).json.token;
    const paths = [
      '/api/me',
      '/api/users?query=',
      '/api/rooms',
      '/api/rooms/public',
      `/api/rooms/${general}/messages`,
      `/api/rooms/${general}/members`,
      '/api/admin/events?limit=1000',
      '/api/admin/events/export',
      '/api/admin/verify',
      '/metrics',
      '/healthz',
    ];
    const socket = await TestSocket.open(server.url, { bearer: token });
    await socket.hello(0);
    socket.close();
    const responses = await Promise.all(
      paths.map(async (p) => {
        const res = await fetch(server.url + p, { headers: { authorization: `Bearer ${token}` } });
        return [p, { status: res.status, text: await res.text() }] as const;
      }),
    );
    // Every route answered (as an admin), so the scan covers real content.
    expect(responses.filter(([, res]) => res.status !== 200).map(([p, res]) => `${p} ${res.status}`)).toEqual([]);
    const answers = [...responses.map(([p, res]) => [p, res.text] as const), ['WebSocket catch-up', JSON.stringify(socket.frames)] as const];
    for (const [where, text] of answers) {
      await attack(`password hash via ${where}`, () => {
        expect(text).not.toMatch(/scrypt\$/);
        for (const hash of hashes) expect(text).not.toContain(hash.split('$').at(-1)!);
      });
    }
  });
});
