import { hkdfSync } from 'node:crypto';
import { engines, type TestEngine } from '../engines';

/** The security suites run against one engine: the real Postgres server when there is one. */
export const securityEngine: TestEngine = engines.find((e) => e.name === 'postgres') ?? engines[0]!;

/**
 * The session-signing key a server derives from its SECRET_KEY (see
 * identity/tokens.ts): the tests forge tokens that only a leaked key could
 * sign, to prove the other checks (algorithm, issuer, audience, expiry,
 * session) hold on their own.
 */
export function sessionSigningKey(secretKey: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secretKey, 'chatterlink', 'session-jwt', 32));
}
