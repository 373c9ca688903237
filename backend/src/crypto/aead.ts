import { open as openNative, seal as sealNative } from '@chatterlink/aead-native';

const KEY_BYTES = 32;
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

/*
 * Sealing runs in the native addon (backend/native/aead): node:crypto builds a
 * Cipher object and a fresh OpenSSL context per call, which caps it well
 * below the 250,000 seals/s per core of docs/benchmarks.md. The bytes are the
 * same as node:crypto's AES-256-GCM (see aead-reference.ts and the tests).
 */

/** Encrypts `plaintext` under `key` with a fresh random nonce (OpenSSL's CSPRNG), binding `associatedData`. */
export function seal(key: Buffer, plaintext: Buffer, associatedData: Buffer): Sealed {
  const out = Buffer.allocUnsafe(NONCE_BYTES + plaintext.length + TAG_BYTES);
  sealNative(key, plaintext, associatedData, out);
  return { nonce: out.subarray(0, NONCE_BYTES), ciphertext: out.subarray(NONCE_BYTES) };
}

/** Decrypts and authenticates; throws `DecryptionError` on any mismatch. */
export function open(key: Buffer, sealed: Sealed, associatedData: Buffer): Buffer {
  if (key.length !== KEY_BYTES || sealed.nonce.length !== NONCE_BYTES || sealed.ciphertext.length < TAG_BYTES) {
    throw new DecryptionError('malformed key or ciphertext');
  }
  const plaintext = Buffer.allocUnsafe(sealed.ciphertext.length - TAG_BYTES);
  if (!openNative(key, sealed.nonce, sealed.ciphertext, associatedData, plaintext)) {
    throw new DecryptionError('authentication failed');
  }
  return plaintext;
}
