import { UnsupportedTypeError } from '../errors/errors';
import { MarkupScanner } from './markup-scan';
import { SNIFF_BYTES, sniffType, type UploadMime } from './sniff';

const NOT_ALLOWED = 'Only PNG, JPEG, GIF, WebP and AVIF images and MP4 and WebM videos are accepted.';

/**
 * Decides what an upload is while its bytes stream past: the type from the
 * magic bytes as soon as enough of them arrived, and a refusal as soon as
 * markup shows up, so a refused upload is cut off early.
 */
export class ContentInspector {
  readonly #markup = new MarkupScanner();
  #head: Buffer = Buffer.alloc(0);
  #mime: UploadMime | undefined;

  /** Inspects the next chunk; throws `UnsupportedTypeError` as soon as the file is known to be refused. */
  push(chunk: Buffer): void {
    if (this.#markup.push(chunk)) throw new UnsupportedTypeError('The file contains HTML or script markup and is refused.');
    if (this.#mime) return;
    this.#head = Buffer.concat([this.#head, chunk.subarray(0, SNIFF_BYTES - this.#head.length)]);
    if (this.#head.length >= SNIFF_BYTES) this.#mime = this.#decide();
  }

  /** The file's type once all of it was seen (short files are decided here). */
  finish(): UploadMime {
    this.#mime ??= this.#decide();
    return this.#mime;
  }

  #decide(): UploadMime {
    const mime = sniffType(this.#head);
    if (!mime) throw new UnsupportedTypeError(NOT_ALLOWED);
    return mime;
  }
}
