import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifiedHs256Payload } from './compact-jws';

const key = randomBytes(32);
const part = (text: string) => Buffer.from(text).toString('base64url');

/** A compact JWS over exactly these header and payload texts, signed HS256 with `signingKey`. */
function jws(header: string, payload: string, signingKey: Uint8Array = key): string {
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${createHmac('sha256', signingKey).update(input).digest('base64url')}`;
}

describe('verifiedHs256Payload', () => {
  it('answers the payload of a well-formed token signed with the key', () => {
    expect(verifiedHs256Payload(jws('{"alg":"HS256","typ":"JWT"}', '{"sub":"u","n":1}'), key)).toEqual({ sub: 'u', n: 1 });
  });

  it('refuses another key, and a signature cut short or lengthened', () => {
    const token = jws('{"alg":"HS256"}', '{"sub":"u"}');
    expect(verifiedHs256Payload(jws('{"alg":"HS256"}', '{"sub":"u"}', randomBytes(32)), key)).toBeUndefined();
    expect(verifiedHs256Payload(token.slice(0, -2), key)).toBeUndefined();
    expect(verifiedHs256Payload(`${token}AA`, key)).toBeUndefined();
  });

  it('refuses a header naming another algorithm, or none, even when the HS256 signature matches', () => {
    for (const header of ['{"alg":"HS512"}', '{"alg":"none"}', '{"alg":"hs256"}', '{}', '{"typ":"JWT"}']) {
      expect(verifiedHs256Payload(jws(header, '{"sub":"u"}'), key)).toBeUndefined();
    }
  });

  it('refuses any crit header: no extension is understood', () => {
    expect(verifiedHs256Payload(jws('{"alg":"HS256","crit":["b64"],"b64":true}', '{"sub":"u"}'), key)).toBeUndefined();
    expect(verifiedHs256Payload(jws('{"alg":"HS256","crit":[]}', '{"sub":"u"}'), key)).toBeUndefined();
  });

  it('refuses a header or payload that is not a JSON object', () => {
    for (const [header, payload] of [
      ['{"alg":"HS256"}', '["sub"]'],
      ['{"alg":"HS256"}', 'null'],
      ['{"alg":"HS256"}', '"text"'],
      ['{"alg":"HS256"}', '{"sub":'],
      ['["HS256"]', '{"sub":"u"}'],
    ] as const) {
      expect(verifiedHs256Payload(jws(header, payload), key)).toBeUndefined();
    }
  });

  it('refuses anything but three unpadded base64url parts', () => {
    const token = jws('{"alg":"HS256"}', '{"sub":"u"}');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    for (const malformed of ['', '..', `${header}.${payload}`, `${token}.`, `${token}=`, ` ${token}`, `${header}.${payload}.${signature}\n`, `${header}+.${payload}.${signature}`]) {
      expect(verifiedHs256Payload(malformed, key)).toBeUndefined();
    }
  });
});
