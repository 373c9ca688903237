/**
 * Metric 8, in a process pinned to one core: sealing 200-byte payloads with
 * ChatterLink's AES-256-GCM (random nonce, associated data) against a
 * Fernet-style token (AES-128-CBC + HMAC-SHA256, base64url), the original
 * prototype's scheme. Prints one JSON line.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { seal } from '../../../backend/src/crypto/aead';
import { associatedData } from '../../../backend/src/eventstore/store';

const PAYLOAD = Buffer.from(JSON.stringify({ messageId: randomBytes(16).toString('hex'), body: 'x'.repeat(140) }).padEnd(200, ' '));

/** A Fernet token (spec: version, timestamp, IV, AES-128-CBC ciphertext, HMAC-SHA256), base64url. */
function fernetSeal(signingKey: Buffer, encryptionKey: Buffer, plaintext: Buffer): string {
  const header = Buffer.alloc(9);
  header[0] = 0x80;
  header.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000)), 1);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', encryptionKey, iv);
  const body = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', signingKey).update(body).digest();
  return Buffer.concat([body, mac]).toString('base64url');
}

function rate(ms: number, operation: () => unknown): number {
  for (let i = 0; i < 10_000; i++) operation(); // warm-up
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1000; i++) operation();
    n += 1000;
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

const ms = Number(process.argv[2] ?? 1000);
const key = randomBytes(32);
const aad = associatedData('room-00000000-0000-0000-0000-000000000000', 42, 'message.sent');
const [signingKey, encryptionKey] = [randomBytes(16), randomBytes(16)];
const aesGcm = rate(ms, () => seal(key, PAYLOAD, aad));
const fernet = rate(ms, () => fernetSeal(signingKey, encryptionKey, PAYLOAD));
console.log(JSON.stringify({ payloadBytes: PAYLOAD.length, aesGcmPerSecond: aesGcm, fernetPerSecond: fernet, ratio: Math.round((aesGcm / fernet) * 100) / 100 }));
