import { once } from 'node:events';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ContentInspector } from './content-inspector';
import { ChunkSealer, SEALED_HEADER } from './sealed-format';
import type { UploadMime } from './sniff';

/**
 * Where the multipart parser writes an upload's bytes: each chunk is
 * inspected (type, markup) and sealed before it reaches the disk, so the
 * plaintext never touches a file, not even a temporary one. A failed or
 * aborted upload removes its temporary file.
 */
export class SealingSink extends Writable {
  readonly #inspector = new ContentInspector();
  readonly #sealer: ChunkSealer;
  #handle: Promise<FileHandle> | undefined;
  #mime: UploadMime | undefined;

  constructor(
    /** The temporary file, created exclusively (mode 0600). */
    readonly path: string,
    key: Buffer,
    uploadId: string,
  ) {
    super();
    this.#sealer = new ChunkSealer(key, uploadId);
  }

  /** Plaintext bytes received. */
  get size(): number {
    return this.#sealer.size;
  }

  /** The sniffed type; set once the upload completed. */
  get mime(): UploadMime {
    if (!this.#mime) throw new Error('the upload has not completed');
    return this.#mime;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#take(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const keep = !error && this.#mime !== undefined;
    this.#close()
      .then(() => (keep ? undefined : rm(this.path, { force: true })))
      .then(
        () => callback(error),
        (cleanupError: Error) => callback(error ?? cleanupError),
      );
  }

  /** Stops the sink if it is still open and removes the temporary file (idempotent). */
  async discard(): Promise<void> {
    if (!this.closed) {
      const closed = once(this, 'close').catch(() => undefined);
      this.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }

  async #take(chunk: Buffer): Promise<void> {
    this.#inspector.push(chunk);
    const sealed = this.#sealer.push(chunk);
    if (sealed.length > 0) await (await this.#file()).writev(sealed);
  }

  async #finish(): Promise<void> {
    const mime = this.#inspector.finish();
    const file = await this.#file();
    await file.write(this.#sealer.finish());
    await file.datasync();
    this.#mime = mime;
  }

  #file(): Promise<FileHandle> {
    this.#handle ??= open(this.path, 'wx', 0o600).then(async (handle) => {
      await handle.write(SEALED_HEADER);
      return handle;
    });
    return this.#handle;
  }

  async #close(): Promise<void> {
    const handle = await this.#handle?.catch(() => undefined);
    await handle?.close();
  }
}
