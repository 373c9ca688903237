import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** One AES-256-GCM sealing: `ciphertext` ends with the 16-byte authentication tag. */
export interface Sealed {
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
}

/** Raised when a ciphertext, its nonce, its key or its associated data do not match. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** Encrypts `plaintext` under `key` with a fresh random nonce, binding `associatedData`. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: Buffer): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData);
  const body = cipher.update(plaintext);
  const final = cipher.final();
  return { nonce, ciphertext: Buffer.concat([body, final, cipher.getAuthTag()]) };
}

/** Decrypts and authenticates; throws `DecryptionError` on any mismatch. */
export function open(key: Buffer, sealed: Sealed, associatedData: Buffer): Buffer {
  if (sealed.nonce.length !== NONCE_BYTES || sealed.ciphertext.length < TAG_BYTES) {
    throw new DecryptionError('malformed ciphertext');
  }
  const tagStart = sealed.ciphertext.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
    decipher.setAAD(associatedData);
    decipher.setAuthTag(sealed.ciphertext.subarray(tagStart));
    return Buffer.concat([decipher.update(sealed.ciphertext.subarray(0, tagStart)), decipher.final()]);
  } catch {
    throw new DecryptionError('authentication failed');
  }
}
