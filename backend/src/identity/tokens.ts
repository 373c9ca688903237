import { createHmac, hkdfSync, timingSafeEqual, webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../errors/errors';

const ISSUER = 'chatterlink';
const AUDIENCE = 'chatterlink';
const ALGORITHM = 'HS256';

/** What a valid token says. */
export interface TokenClaims {
  readonly userId: string;
  readonly sessionId: string;
}

/**
 * Session tokens: JWTs signed with a key derived from SECRET_KEY, pinned to
 * one algorithm, issuer and audience, with an expiry. The session id inside is
 * checked against the sessions projection on every use, so logout is instant.
 */
export class SessionTokens {
  /**
   * Imported once: given raw bytes, jose imports a WebCrypto key on every
   * sign and verify, the larger part of a session check's garbage.
   */
  readonly #signingKey: Promise<webcrypto.CryptoKey>;
  readonly #csrfKey: Buffer;

  constructor(secretKey: string) {
    const rawSigningKey = new Uint8Array(hkdfSync('sha256', secretKey, 'chatterlink', 'session-jwt', 32));
    this.#signingKey = webcrypto.subtle.importKey('raw', rawSigningKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.#csrfKey = Buffer.from(hkdfSync('sha256', secretKey, 'chatterlink', 'csrf', 32));
  }

  async sign(claims: TokenClaims, expiresAt: Date): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(await this.#signingKey);
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; throws `UnauthorizedError` otherwise. */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, await this.#signingKey, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') throw new Error('missing claims');
      return { userId: payload.sub, sessionId: payload.sid };
    } catch {
      throw new UnauthorizedError('The session is invalid or has expired.');
    }
  }

  /** The CSRF token of a session: an HMAC of its id, so nothing extra is stored. */
  csrfToken(sessionId: string): string {
    return createHmac('sha256', this.#csrfKey).update(sessionId).digest('base64url');
  }

  csrfTokenMatches(sessionId: string, candidate: string | undefined): boolean {
    if (!candidate) return false;
    const expected = Buffer.from(this.csrfToken(sessionId));
    const actual = Buffer.from(candidate);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
