/**
 * How far into a file browsers look when they guess a type (WHATWG MIME
 * sniffing reads up to 1445 bytes): there even short HTML tags count.
 */
const SNIFF_WINDOW = 1445;

// Tags that make HTML or SVG active, followed by white space, `>` or `/`.
// Anywhere in the file only long, unambiguous markers count, so binary data
// does not trip them by chance; near the start, the sniffing patterns too.
const ACTIVE_MARKUP = /<(?:script|html|iframe|svg|body|object|embed|head|meta|style|form|title|!doctype)[\s>/]|javascript:/i;
const SNIFFED_MARKUP = /<(?:img|br|div|font|table|h1|link)[\s>/]|<!--|<\?xml/i;

/** Longest marker minus one: the bytes kept between chunks so no marker is split unseen. */
const OVERLAP = 15;

/**
 * Finds HTML, SVG or script markup in a stream of bytes, chunk by chunk with
 * constant memory. A file that is an image by its magic bytes but also
 * carries markup (a polyglot) is refused rather than trusted to be served
 * safely everywhere.
 */
export class MarkupScanner {
  #tail = '';
  #seen = 0;

  /** Scans the next chunk; true when markup was found in it (or across its start). */
  push(chunk: Buffer): boolean {
    const text = this.#tail + chunk.toString('latin1');
    const windowLeft = SNIFF_WINDOW - this.#seen;
    const windowText = windowLeft > 0 ? text.slice(0, this.#tail.length + windowLeft) : '';
    this.#seen += chunk.length;
    this.#tail = text.slice(-OVERLAP);
    return ACTIVE_MARKUP.test(text) || SNIFFED_MARKUP.test(windowText);
  }
}
