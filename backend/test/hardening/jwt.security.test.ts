import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TestClient, type TestServer } from '../test-app';
import { TestSocket } from '../ws-client';
import { securityEngine, sessionSigningKey } from './security-server';
import { attack } from './tally';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('forged and stale session tokens', () => {
  let server: TestServer;
  let alice: TestClient;
  let bobId: string;
  let valid: string;
  const forged: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer(securityEngine);
    alice = await new TestClient(server.url).signUp('alice');
    bobId = (await new TestClient(server.url).signUp('bob')).user!.id;
    valid = (await alice.post('/api/auth/token', { username: 'alice', password: 'correct horse battery' })).json.token;
    const claims = decodeJwt(valid);
    const key = sessionSigningKey(server.secrets.secretKey);
    const now = Math.floor(Date.now() / 1000);
    const sign = (alg: string, secret: Parameters<SignJWT['sign']>[0], overrides: Record<string, unknown> = {}) =>
      new SignJWT({ sid: claims.sid, ...overrides })
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setSubject(String(overrides.sub ?? claims.sub))
        .setIssuer(String(overrides.iss ?? 'chatterlink'))
        .setAudience(String(overrides.aud ?? 'chatterlink'))
        .setIssuedAt()
        .setExpirationTime(Number(overrides.exp ?? now + 3600))
        .sign(secret);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [header, , signature] = valid.split('.');

    forged['alg none'] = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    forged['alg None with the real signature'] = `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims)}.${signature}`;
    forged['wrong algorithm (HS512, right key)'] = await sign('HS512', key);
    forged['RS256 signed by an attacker key'] = await sign('RS256', rsa.privateKey);
    forged['HS256 keyed with an RSA public key (HS/RS confusion)'] = await sign(
      'HS256',
      new Uint8Array(Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }))),
    );
    forged['expired'] = await sign('HS256', key, { exp: now - 60 });
    forged['wrong issuer'] = await sign('HS256', key, { iss: 'someone-else' });
    forged['wrong audience'] = await sign('HS256', key, { aud: 'another-app' });
    forged['altered payload (subject swapped to bob)'] = `${header}.${b64({ ...claims, sub: bobId })}.${signature}`;
    forged['subject swapped, re-signed (session belongs to alice)'] = await sign('HS256', key, { sub: bobId });
    forged['unknown session id'] = await sign('HS256', key, { sid: randomUUID() });
    forged['garbage'] = 'not.a.jwt';

    const revoked = (await alice.post('/api/auth/token', { username: 'alice', password: 'correct horse battery' })).json.token;
    const logout = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${revoked}` } });
    expect(logout.status).toBe(204);
    forged['revoked session (after logout)'] = revoked;
  });
  afterAll(async () => server?.close());

  it('the genuine token works (the attacks below are not refused for an unrelated reason)', async () => {
    const res = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${valid}` } });
    expect(res.status).toBe(200);
    (await TestSocket.open(server.url, { bearer: valid })).close();
  });

  it('refuses every forged or stale token with 401 on HTTP (Bearer and cookie) and before the WebSocket opens', async () => {
    const roomsBefore = (await alice.get('/api/rooms/public')).json.rooms.length;
    for (const [name, token] of Object.entries(forged)) {
      await attack(`JWT ${name}: GET /api/me (Bearer)`, async () => {
        const res = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, name).toBe(401);
      });
      await attack(`JWT ${name}: POST /api/rooms (Bearer)`, async () => {
        const res = await fetch(`${server.url}/api/rooms`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `forged ${name}` }),
        });
        expect(res.status, name).toBe(401);
      });
      await attack(`JWT ${name}: GET /api/me (cookie)`, async () => {
        const res = await fetch(`${server.url}/api/me`, { headers: { cookie: `cl_session=${token}` } });
        expect(res.status, name).toBe(401);
      });
      await attack(`JWT ${name}: WebSocket upgrade`, async () => {
        const refused = await TestSocket.open(server.url, { bearer: token }).then(
          (socket) => (socket.close(), 101),
          (error: { status?: number }) => error.status,
        );
        expect(refused, name).toBe(401);
      });
    }
    expect((await alice.get('/api/rooms/public')).json.rooms.length).toBe(roomsBefore);
  });
});
