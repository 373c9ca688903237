import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sealed } from './aead';

/*
 * The same AES-256-GCM format through node:crypto (what aead.ts did before
 * the native addon). Kept as the reference the addon must agree with byte for
 * byte in both directions (aead.unit.test.ts), and as the benchmark's
 * per-call baseline (scripts/bench/suites/crypto-worker.ts). Never used to
 * seal or open data in the server.
 */

/** Seals with node:crypto: 12-byte random nonce, ciphertext = body || 16-byte tag. */
export function sealWithNodeCrypto(key: Buffer, plaintext: Buffer, associatedData: Buffer): Sealed {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return { nonce, ciphertext: Buffer.concat([body, final, cipher.getAuthTag()]) };
}

/** Opens with node:crypto; throws node:crypto's error when authentication fails. */
export function openWithNodeCrypto(key: Buffer, sealed: Sealed, associatedData: Buffer): Buffer {
  const tagStart = sealed.ciphertext.length - 16;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
  decipher.setAAD(associatedData);
  decipher.setAuthTag(sealed.ciphertext.subarray(tagStart));
  return Buffer.concat([decipher.update(sealed.ciphertext.subarray(0, tagStart)), decipher.final()]);
}
