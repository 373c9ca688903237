import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DecryptionError } from '../crypto/aead';

/**
 * An upload at rest: an 8-byte header, then the file in chunks of
 * `CHUNK_BYTES` plaintext, each sealed on its own with AES-256-GCM as
 * nonce (12) ‖ ciphertext ‖ tag (16). Each chunk's associated data binds the
 * upload id, the chunk's index and whether it is the last one, so chunks
 * moved between files, reordered, dropped from the end or padded with
 * extra ones fail to open. Any byte range can be read by opening only the
 * chunks that cover it.
 */
export const CHUNK_BYTES = 64 * 1024;
export const SEALED_HEADER = Buffer.from('CLUPLD\0\x01', 'latin1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes one full chunk takes on disk. */
const SEALED_CHUNK_BYTES = NONCE_BYTES + CHUNK_BYTES + TAG_BYTES;

/**
 * The key of one upload, derived (HKDF-SHA256) from its uploader's data key
 * and the upload id: nothing secret is stored beside the file, every file has
 * its own key, and destroying the uploader's data key (crypto-erasure) makes
 * every one of their files unreadable.
 */
export function uploadKey(dataKey: Buffer, uploadId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `chatterlink/upload/v1\0${uploadId}`, 32));
}

/** How many chunks a file of `size` bytes has; an empty file still has one (final) chunk. */
export function chunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / CHUNK_BYTES));
}

/** Bytes on disk of a sealed file whose plaintext is `size` bytes. */
export function sealedSize(size: number): number {
  return SEALED_HEADER.length + chunkCount(size) * (NONCE_BYTES + TAG_BYTES) + size;
}

/** Where chunk `index` starts on disk, and how many bytes it takes, in a file of `size` bytes. */
export function chunkExtent(size: number, index: number): { offset: number; length: number; plainLength: number } {
  const plainLength = Math.min(CHUNK_BYTES, size - index * CHUNK_BYTES);
  return { offset: SEALED_HEADER.length + index * SEALED_CHUNK_BYTES, length: NONCE_BYTES + plainLength + TAG_BYTES, plainLength };
}

function chunkAad(uploadId: string, index: number, final: boolean): Buffer {
  return Buffer.from(`chatterlink/upload-chunk/v1\0${uploadId}\0${index}\0${final ? 1 : 0}`, 'utf8');
}

/** Seals one chunk with a fresh random nonce. */
export function sealChunk(key: Buffer, uploadId: string, index: number, final: boolean, plaintext: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(chunkAad(uploadId, index, final));
  return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Opens one sealed chunk; throws `DecryptionError` unless key, upload, index, finality and bytes all match. */
export function openChunk(key: Buffer, uploadId: string, index: number, final: boolean, sealed: Buffer): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new DecryptionError('truncated upload chunk');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(chunkAad(uploadId, index, final));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError('upload chunk failed authentication');
  }
}

/**
 * Cuts a stream of plaintext into sealed chunks. A full chunk is held back
 * until more data arrives, because only then is it known not to be the last.
 */
export class ChunkSealer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #index = 0;
  #size = 0;

  constructor(
    private readonly key: Buffer,
    private readonly uploadId: string,
  ) {}

  /** Plaintext bytes taken so far. */
  get size(): number {
    return this.#size;
  }

  /** Takes more plaintext; returns the chunks now known not to be the last. */
  push(data: Buffer): Buffer[] {
    this.#pending.push(data);
    this.#pendingBytes += data.length;
    this.#size += data.length;
    const sealed: Buffer[] = [];
    if (this.#pendingBytes <= CHUNK_BYTES) return sealed;
    let buffer = Buffer.concat(this.#pending);
    while (buffer.length > CHUNK_BYTES) {
      sealed.push(sealChunk(this.key, this.uploadId, this.#index++, false, buffer.subarray(0, CHUNK_BYTES)));
      buffer = buffer.subarray(CHUNK_BYTES);
    }
    this.#pending = [buffer];
    this.#pendingBytes = buffer.length;
    return sealed;
  }

  /** Seals what is left as the final chunk. */
  finish(): Buffer {
    const last = sealChunk(this.key, this.uploadId, this.#index++, true, Buffer.concat(this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
    return last;
  }
}
