import { hkdfSync } from 'node:crypto';
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '../errors/errors';
import { SessionTokens } from './tokens';

const SECRET = 'a-secret-key-that-is-long-enough-0123456789';
const OTHER_SECRET = 'another-secret-key-that-is-long-enough-98765';
const userId = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const sessionId = '33333333-3333-4333-8333-333333333333';
const inOneHour = () => new Date(Date.now() + 3_600_000);

/** The key `SessionTokens` derives for signing, so tests can forge otherwise-valid tokens. */
const signingKey = (secret: string) => new Uint8Array(hkdfSync('sha256', secret, 'chatterlink', 'session-jwt', 32));

/** A token like the real ones, with one thing changed by `tweak`. */
function forge(tweak: (jwt: SignJWT) => SignJWT, alg = 'HS256', secret = SECRET): Promise<string> {
  const jwt = new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer('chatterlink')
    .setAudience('chatterlink')
    .setIssuedAt()
    .setExpirationTime(Math.floor(inOneHour().getTime() / 1000));
  return tweak(jwt).sign(signingKey(secret));
}

async function expectUnauthorized(tokens: SessionTokens, token: string): Promise<void> {
  expect(() => tokens.verify(token)).toThrow(UnauthorizedError);
  expect(() => tokens.verify(token)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
}

describe('SessionTokens.sign/verify', () => {
  const tokens = new SessionTokens(SECRET);

  it('round-trips the claims', async () => {
    const token = await tokens.sign({ userId, sessionId }, inOneHour());
    expect(await tokens.verify(token)).toEqual({ userId, sessionId });
  });

  it('signs HS256 with issuer, audience, subject and expiry', async () => {
    const expiresAt = inOneHour();
    const token = await tokens.sign({ userId, sessionId }, expiresAt);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(decodeJwt(token)).toMatchObject({
      sub: userId,
      sid: sessionId,
      iss: 'chatterlink',
      aud: 'chatterlink',
      exp: Math.floor(expiresAt.getTime() / 1000),
    });
  });

  it('accepts a token forged with the right key and claims (the forging helper is faithful)', async () => {
    expect(await tokens.verify(await forge((jwt) => jwt))).toEqual({ userId, sessionId });
  });

  it('is verified by another instance with the same secret', async () => {
    const token = await tokens.sign({ userId, sessionId }, inOneHour());
    expect(await new SessionTokens(SECRET).verify(token)).toEqual({ userId, sessionId });
  });

  it('rejects an unsecured token (alg none)', async () => {
    const unsecured = new UnsecuredJWT({ sid: sessionId })
      .setSubject(userId)
      .setIssuer('chatterlink')
      .setAudience('chatterlink')
      .setExpirationTime('1h')
      .encode();
    expect(unsecured.endsWith('.')).toBe(true);
    await expectUnauthorized(tokens, unsecured);

    // The same, built by hand with typ JWT.
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = unsecured.split('.')[1]!;
    await expectUnauthorized(tokens, `${header}.${payload}.`);
  });

  it('rejects HS512 signed with the same key material', async () => {
    await expectUnauthorized(tokens, await forge((jwt) => jwt, 'HS512'));
  });

  it('rejects a wrong issuer', async () => {
    await expectUnauthorized(tokens, await forge((jwt) => jwt.setIssuer('someone-else')));
  });

  it('rejects a wrong audience', async () => {
    await expectUnauthorized(tokens, await forge((jwt) => jwt.setAudience('someone-else')));
  });

  it('rejects an expired token', async () => {
    const past = new Date(Date.now() - 60_000);
    await expectUnauthorized(tokens, await tokens.sign({ userId, sessionId }, past));
    await expectUnauthorized(tokens, await forge((jwt) => jwt.setExpirationTime(Math.floor(past.getTime() / 1000))));
  });

  it('rejects a token without an expiry', async () => {
    const noExp = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer('chatterlink')
      .setAudience('chatterlink')
      .sign(signingKey(SECRET));
    await expectUnauthorized(tokens, noExp);
  });

  it('rejects a token without a session id or subject', async () => {
    const noSid = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer('chatterlink')
      .setAudience('chatterlink')
      .setExpirationTime('1h')
      .sign(signingKey(SECRET));
    await expectUnauthorized(tokens, noSid);
    const noSub = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('chatterlink')
      .setAudience('chatterlink')
      .setExpirationTime('1h')
      .sign(signingKey(SECRET));
    await expectUnauthorized(tokens, noSub);
  });

  it('rejects an altered payload', async () => {
    const token = await tokens.sign({ userId, sessionId }, inOneHour());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const i = 10;
    const altered = `${payload.slice(0, i)}${payload[i] === 'A' ? 'B' : 'A'}${payload.slice(i + 1)}`;
    expect(altered).not.toBe(payload);
    await expectUnauthorized(tokens, `${header}.${altered}.${signature}`);

    // A payload swapped for another user's, keeping the signature.
    const other = base64url.encode(
      JSON.stringify({ ...decodeJwt(token), sub: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' }),
    );
    await expectUnauthorized(tokens, `${header}.${other}.${signature}`);
  });

  it('rejects a token signed with a different SECRET_KEY', async () => {
    const foreign = await new SessionTokens(OTHER_SECRET).sign({ userId, sessionId }, inOneHour());
    await expectUnauthorized(tokens, foreign);
  });

  it('rejects a token signed with the raw SECRET_KEY instead of the derived key', async () => {
    const raw = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer('chatterlink')
      .setAudience('chatterlink')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    await expectUnauthorized(tokens, raw);
  });

  it('rejects a token not valid yet (nbf in the future) and accepts one whose nbf has passed', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectUnauthorized(tokens, await forge((jwt) => jwt.setNotBefore(now + 60)));
    expect(await tokens.verify(await forge((jwt) => jwt.setNotBefore(now - 60)))).toEqual({ userId, sessionId });
  });

  it('accepts an audience list that names chatterlink, and rejects one that does not', async () => {
    expect(await tokens.verify(await forge((jwt) => jwt.setAudience(['other', 'chatterlink'])))).toEqual({ userId, sessionId });
    await expectUnauthorized(tokens, await forge((jwt) => jwt.setAudience(['other', 'someone-else'])));
  });

  it.each([
    ['a numeric subject', { sub: 42 }],
    ['a string expiry', { exp: String(Math.floor(Date.now() / 1000) + 3600) }],
    ['a numeric session id', { sid: 7 }],
    ['a string not-before', { nbf: '0' }],
    ['a string issued-at', { iat: '0' }],
  ])('rejects %s', async (_, claim) => {
    const valid = { sid: sessionId, sub: userId, iss: 'chatterlink', aud: 'chatterlink', exp: Math.floor(Date.now() / 1000) + 3600 };
    expect(await tokens.verify(await new SignJWT(valid).setProtectedHeader({ alg: 'HS256' }).sign(signingKey(SECRET)))).toEqual({ userId, sessionId });
    // Claims of the wrong type are what is tested: jose's own types would forbid them.
    await expectUnauthorized(tokens, await new SignJWT({ ...valid, ...claim } as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(signingKey(SECRET)));
  });

  it.each(['', 'garbage', 'a.b.c', 'a.b'])('rejects the malformed token %j', async (token) => {
    await expectUnauthorized(tokens, token);
  });
});

describe('SessionTokens CSRF', () => {
  const tokens = new SessionTokens(SECRET);
  const otherSession = '55555555-5555-4555-8555-555555555555';

  it('is deterministic per session id', () => {
    expect(tokens.csrfToken(sessionId)).toBe(tokens.csrfToken(sessionId));
    expect(new SessionTokens(SECRET).csrfToken(sessionId)).toBe(tokens.csrfToken(sessionId));
    expect(tokens.csrfToken(sessionId)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differs between sessions and between secrets', () => {
    expect(tokens.csrfToken(otherSession)).not.toBe(tokens.csrfToken(sessionId));
    expect(new SessionTokens(OTHER_SECRET).csrfToken(sessionId)).not.toBe(tokens.csrfToken(sessionId));
  });

  it('matches its own token only', () => {
    const csrf = tokens.csrfToken(sessionId);
    expect(tokens.csrfTokenMatches(sessionId, csrf)).toBe(true);
    expect(tokens.csrfTokenMatches(otherSession, csrf)).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, tokens.csrfToken(otherSession))).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, new SessionTokens(OTHER_SECRET).csrfToken(sessionId))).toBe(false);
  });

  it('rejects undefined, empty and wrong-length candidates', () => {
    const csrf = tokens.csrfToken(sessionId);
    expect(tokens.csrfTokenMatches(sessionId, undefined)).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, '')).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, csrf.slice(0, -1))).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, `${csrf}x`)).toBe(false);
  });

  it('rejects a same-length candidate that differs in one character', () => {
    const csrf = tokens.csrfToken(sessionId);
    const flipped = `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.csrfTokenMatches(sessionId, flipped)).toBe(false);
  });

  it('does not match the session id itself or the session token', async () => {
    expect(tokens.csrfTokenMatches(sessionId, sessionId)).toBe(false);
    expect(tokens.csrfTokenMatches(sessionId, await tokens.sign({ userId, sessionId }, inOneHour()))).toBe(false);
  });
});
