import { isAscii } from 'node:buffer';
import { openMany, open as openNative, seal as sealNative } from '@chatterlink/aead-native';

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

/** Where one ciphertext of `openAllJoined`'s source lies, which of its keys opens it, and the associated data it is bound to. */
export interface SealedSpan {
  readonly keyIndex: number;
  readonly nonceAt: number;
  readonly nonceLength: number;
  /** Where the ciphertext (body || tag) starts. */
  readonly ciphertextAt: number;
  readonly ciphertextLength: number;
  /** The associated data as text (it is bound as its UTF-8 bytes). */
  readonly associatedData: string;
}

/** Int32 fields per span that the native `openMany` reads. */
const SPAN_FIELDS = 7;

/** How `openAllJoined` frames the plaintexts: one ASCII character before the first, between two, and after the last. */
export interface Joining {
  readonly open: string;
  readonly separator: string;
  readonly close: string;
}

/**
 * Decrypts and authenticates many ciphertexts that lie in one buffer (a page
 * of the log) in one native call, and answers their plaintexts as one UTF-8
 * text, framed by `joining`. One call instead of one per row spares each
 * row its nonce and ciphertext views, its associated-data and plaintext
 * buffers and a native call's argument checks; one text instead of one per
 * row spares each row a decoding call (and lets JSON plaintexts be parsed
 * as one array). Throws `DecryptionError` when any span is malformed or
 * does not authenticate, and then answers nothing.
 */
export function openAllJoined(keys: readonly Buffer[], source: Buffer, spans: readonly SealedSpan[], joining: Joining): string {
  const open = asciiCode(joining.open);
  const separator = asciiCode(joining.separator);
  const close = asciiCode(joining.close);
  const records = new Int32Array(spans.length * SPAN_FIELDS);
  let associatedBytes = 0;
  // The frame: `open`, `close` and a separator after every plaintext but the last.
  let plaintextBytes = 1 + Math.max(spans.length, 1);
  for (const span of spans) {
    if (keys[span.keyIndex]?.length !== KEY_BYTES || span.nonceLength !== NONCE_BYTES || span.ciphertextLength < TAG_BYTES) {
      throw new DecryptionError('malformed key or ciphertext');
    }
    // At most three UTF-8 bytes per UTF-16 unit: the buffer below never runs short.
    associatedBytes += span.associatedData.length * 3;
    plaintextBytes += span.ciphertextLength - TAG_BYTES;
  }
  const associatedData = Buffer.allocUnsafe(associatedBytes);
  const out = Buffer.allocUnsafe(plaintextBytes);
  out[0] = open;
  let adAt = 0;
  let outAt = 1;
  spans.forEach((span, i) => {
    const length = associatedData.write(span.associatedData, adAt, 'utf8');
    const r = i * SPAN_FIELDS;
    records[r] = span.keyIndex;
    records[r + 1] = span.nonceAt;
    records[r + 2] = span.ciphertextAt;
    records[r + 3] = span.ciphertextLength;
    records[r + 4] = adAt;
    records[r + 5] = length;
    records[r + 6] = outAt;
    adAt += length;
    outAt += span.ciphertextLength - TAG_BYTES;
    out[outAt++] = i === spans.length - 1 ? close : separator;
  });
  if (spans.length === 0) out[outAt++] = close;
  const failed = openMany(Buffer.concat(keys), source, records, associatedData, out);
  if (failed !== -1) throw new DecryptionError(`authentication failed (ciphertext ${failed} of ${spans.length})`);
  return utf8Text(out.subarray(0, outAt));
}

/**
 * `bytes` as UTF-8 text. ASCII, what a page of JSON plaintexts nearly always
 * is, reads the same as Latin-1, which V8 copies instead of decoding: a 3 MB
 * page took 11.5 ms to decode as UTF-8 and 1.2 ms to check and copy.
 */
function utf8Text(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function asciiCode(character: string): number {
  const code = character.charCodeAt(0);
  if (character.length !== 1 || code > 0x7f) throw new TypeError(`openAllJoined: ${JSON.stringify(character)} is not one ASCII character`);
  return code;
}
