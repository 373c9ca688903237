import { createHmac, timingSafeEqual } from 'node:crypto';

/** Three base64url parts: protected header, payload, signature (no padding, nothing else). */
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/**
 * The payload of a compact JWS signed with HS256 under `key`, or `undefined`
 * when anything is off: the shape, the signature (compared in constant
 * time), a header that is not a JSON object naming exactly `alg: HS256`
 * (`none`, HS512 on the same key and the like are refused), any `crit`
 * header (no extension is understood), or a payload that is not a JSON object.
 *
 * Synchronous over node:crypto on purpose: jose goes through WebCrypto, whose
 * per-call objects and thread-pool job were most of a WebSocket handshake's
 * garbage, and that garbage is memory a server under a reconnecting crowd
 * keeps.
 */
export function verifiedHs256Payload(token: string, key: Uint8Array): Record<string, unknown> | undefined {
  const parts = COMPACT_JWS.exec(token);
  if (!parts) return undefined;
  const [, header, payload, signature] = parts as unknown as [string, string, string, string];
  const expected = createHmac('sha256', key).update(token.slice(0, header.length + 1 + payload.length)).digest();
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  const protectedHeader = jsonObjectOf(header);
  if (protectedHeader?.alg !== 'HS256' || protectedHeader.crit !== undefined) return undefined;
  return jsonObjectOf(payload);
}

function jsonObjectOf(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
