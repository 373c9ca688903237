import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { UnauthorizedError } from '../errors/errors';
import { verifiedHs256Payload } from './compact-jws';

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
  readonly #signingKey: Uint8Array;
  readonly #csrfKey: Buffer;

  constructor(secretKey: string) {
    this.#signingKey = new Uint8Array(hkdfSync('sha256', secretKey, 'chatterlink', 'session-jwt', 32));
    this.#csrfKey = Buffer.from(hkdfSync('sha256', secretKey, 'chatterlink', 'csrf', 32));
  }

  sign(claims: TokenClaims, expiresAt: Date): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.#signingKey);
  }

  /**
   * Verifies signature, algorithm, issuer, audience, expiry and not-before
   * (as jose's jwtVerify does, without clock tolerance); throws
   * `UnauthorizedError` otherwise. Synchronous: every WebSocket handshake
   * runs it, and an await more is garbage more.
   */
  verify(token: string): TokenClaims {
    const claims = verifiedHs256Payload(token, this.#signingKey);
    if (!claims || !claimsHold(claims, Math.floor(Date.now() / 1000))) {
      throw new UnauthorizedError('The session is invalid or has expired.');
    }
    return { userId: claims.sub as string, sessionId: claims.sid as string };
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

/** The registered claims a session token must carry at `now` (seconds), plus its session id. */
function claimsHold(claims: Record<string, unknown>, now: number): boolean {
  const { iss, aud, exp, nbf, iat, sub, sid } = claims;
  return (
    iss === ISSUER &&
    (aud === AUDIENCE || (Array.isArray(aud) && aud.includes(AUDIENCE))) &&
    typeof exp === 'number' &&
    exp > now &&
    (nbf === undefined || (typeof nbf === 'number' && nbf <= now)) &&
    (iat === undefined || typeof iat === 'number') &&
    typeof sub === 'string' &&
    typeof sid === 'string'
  );
}
