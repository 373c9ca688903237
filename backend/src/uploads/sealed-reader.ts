import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DecryptionError } from '../crypto/aead';
import { CHUNK_BYTES, chunkCount, chunkExtent, openChunk, SEALED_HEADER, sealedSize } from './sealed-format';

/** What identifies a sealed file and how to open it. */
export interface SealedFile {
  readonly path: string;
  readonly key: Buffer;
  readonly uploadId: string;
  /** Plaintext size, as recorded when it was stored. */
  readonly size: number;
}

/**
 * Opens a sealed upload and checks its header and length against the
 * recorded size (a truncated or padded file is refused before any byte is
 * served). Bytes `start`..`end` (inclusive) then stream out, decrypting only
 * the chunks that cover them.
 */
export async function openSealedRange(file: SealedFile, start: number, end: number): Promise<Readable> {
  const handle = await open(file.path, 'r');
  try {
    const header = Buffer.alloc(SEALED_HEADER.length);
    await handle.read(header, 0, header.length, 0);
    const { size } = await handle.stat();
    if (!header.equals(SEALED_HEADER) || size !== sealedSize(file.size)) throw new DecryptionError('the stored upload is damaged');
  } catch (error) {
    await handle.close();
    throw error;
  }
  return new SealedRangeReader(handle, file, start, end);
}

/** Streams plaintext chunk by chunk; the file handle is closed however the stream ends. */
class SealedRangeReader extends Readable {
  #index: number;
  readonly #lastIndex: number;

  constructor(
    private readonly handle: FileHandle,
    private readonly file: SealedFile,
    private readonly start: number,
    private readonly end: number,
  ) {
    super();
    this.#index = Math.floor(start / CHUNK_BYTES);
    this.#lastIndex = end < start ? -1 : Math.floor(end / CHUNK_BYTES);
  }

  override _read(): void {
    if (this.#index > this.#lastIndex) {
      this.push(null);
      return;
    }
    this.#readChunk(this.#index++).then(
      (bytes) => this.push(bytes),
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  async #readChunk(index: number): Promise<Buffer> {
    const extent = chunkExtent(this.file.size, index);
    const sealed = Buffer.alloc(extent.length);
    const { bytesRead } = await this.handle.read(sealed, 0, extent.length, extent.offset);
    if (bytesRead !== extent.length) throw new DecryptionError('the stored upload is damaged');
    const plain = openChunk(this.file.key, this.file.uploadId, index, index === chunkCount(this.file.size) - 1, sealed);
    const chunkStart = index * CHUNK_BYTES;
    return plain.subarray(Math.max(0, this.start - chunkStart), Math.min(plain.length, this.end - chunkStart + 1));
  }
}

/** The whole plaintext of a sealed file, streamed. */
export function openSealed(file: SealedFile): Promise<Readable> {
  return openSealedRange(file, 0, file.size - 1);
}
