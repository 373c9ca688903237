/**
 * Metric 8, in a process pinned to one core: sealing and opening 200-byte
 * payloads with ChatterLink's AES-256-GCM (random nonce, associated data;
 * the native addon), the same format through node:crypto's per-call API
 * (what ChatterLink used before the addon), and a Fernet-style token
 * (AES-128-CBC + HMAC-SHA256, base64url), the original prototype's scheme.
 * Rates are per CPU-second of this process (the process's own user + system
 * time, GC threads included), i.e. per core, so a busy shared machine slows
 * the wall clock but not the figure; `cpuShare` says how much of its core the
 * process actually got. Schemes take turns in short rounds; each figure is the
 * median round. Prints one JSON line.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, seal } from '../../../backend/src/crypto/aead';
import { openWithNodeCrypto, sealWithNodeCrypto } from '../../../backend/src/crypto/aead-reference';
import { associatedData } from '../../../backend/src/eventstore/store';
import type { CryptoResult } from '../results';

const PAYLOAD = Buffer.from(JSON.stringify({ messageId: randomBytes(16).toString('hex'), body: 'x'.repeat(140) }).padEnd(200, ' '));
const ROUNDS = 5;

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

/** Verifies the token's HMAC, then decrypts (no TTL check: it would only add a clock read). */
function fernetOpen(signingKey: Buffer, encryptionKey: Buffer, token: string): Buffer {
  const bytes = Buffer.from(token, 'base64url');
  const body = bytes.subarray(0, -32);
  if (bytes[0] !== 0x80 || !timingSafeEqual(createHmac('sha256', signingKey).update(body).digest(), bytes.subarray(-32))) {
    throw new Error('invalid Fernet token');
  }
  const decipher = createDecipheriv('aes-128-cbc', encryptionKey, body.subarray(9, 25));
  return Buffer.concat([decipher.update(body.subarray(25)), decipher.final()]);
}

let cpuSeconds = 0;
let wallSeconds = 0;

/** Operations per CPU-second, running for `ms` of wall time. */
function rate(ms: number, operation: () => unknown): number {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 1000; i++) operation();
    n += 1000;
  }
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (cpu.user + cpu.system) / 1e6;
  cpuSeconds += seconds;
  wallSeconds += (performance.now() - start) / 1000;
  return n / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]!);
}

const ms = Number(process.argv[2] ?? 1000);
const key = randomBytes(32);
const aad = associatedData('room-00000000-0000-0000-0000-000000000000', 42, 'message.sent');
const [signingKey, encryptionKey] = [randomBytes(16), randomBytes(16)];
const sealed = seal(key, PAYLOAD, aad);
const token = fernetSeal(signingKey, encryptionKey, PAYLOAD);
if (!open(key, sealWithNodeCrypto(key, PAYLOAD, aad), aad).equals(PAYLOAD) || !openWithNodeCrypto(key, sealed, aad).equals(PAYLOAD)) {
  throw new Error('the native addon and node:crypto disagree');
}

const schemes = {
  seal: () => seal(key, PAYLOAD, aad),
  open: () => open(key, sealed, aad),
  nodeCryptoSeal: () => sealWithNodeCrypto(key, PAYLOAD, aad),
  nodeCryptoOpen: () => openWithNodeCrypto(key, sealed, aad),
  fernetSeal: () => fernetSeal(signingKey, encryptionKey, PAYLOAD),
  fernetOpen: () => fernetOpen(signingKey, encryptionKey, token),
};
type Scheme = keyof typeof schemes;
const rounds = Object.fromEntries(Object.keys(schemes).map((name) => [name, [] as number[]])) as Record<Scheme, number[]>;
for (const operation of Object.values(schemes)) for (let i = 0; i < 10_000; i++) operation(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, operation] of Object.entries(schemes) as [Scheme, () => unknown][]) rounds[name].push(rate(ms / ROUNDS, operation));
}
const perSecond = Object.fromEntries(Object.entries(rounds).map(([name, values]) => [name, median(values)])) as Record<Scheme, number>;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
const result: CryptoResult = {
  payloadBytes: PAYLOAD.length,
  aesGcmPerSecond: perSecond.seal,
  aesGcmOpenPerSecond: perSecond.open,
  nodeCryptoSealPerSecond: perSecond.nodeCryptoSeal,
  nodeCryptoOpenPerSecond: perSecond.nodeCryptoOpen,
  fernetPerSecond: perSecond.fernetSeal,
  fernetOpenPerSecond: perSecond.fernetOpen,
  ratio: ratio(perSecond.seal, perSecond.fernetSeal),
  openRatio: ratio(perSecond.open, perSecond.fernetOpen),
  cpuShare: Math.round((cpuSeconds / wallSeconds) * 100) / 100,
};
console.log(JSON.stringify(result));
