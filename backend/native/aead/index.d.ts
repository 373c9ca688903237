/**
 * AES-256-GCM with a fresh 96-bit nonce from OpenSSL's CSPRNG: writes
 * nonce (12) || ciphertext || tag (16) into `out`, which must be exactly
 * `plaintext.length + 28` bytes. Throws TypeError/RangeError on bad arguments.
 */
export declare function seal(key: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array, out: Uint8Array): void;

/**
 * Authenticates and decrypts `ciphertext` (body || 16-byte tag) into `out`
 * (`ciphertext.length - 16` bytes). Returns false, with `out` zeroed, when
 * key, nonce, ciphertext or associated data do not match.
 */
export declare function open(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Uint8Array,
  out: Uint8Array,
): boolean;

/**
 * Opens many ciphertexts of one `source` buffer in one call. `keys` holds
 * 32-byte keys back to back; `records` seven int32 per ciphertext: key
 * index, nonce offset, ciphertext (body || tag) offset and length in
 * `source`, associated data offset and length in `associatedData`, and the
 * offset in `out` that receives its plaintext (length - 16 bytes). Throws
 * RangeError, before decrypting anything, when a range is out of bounds.
 * Returns -1 when every ciphertext authenticates, else the index of the
 * first that does not, with `out` zeroed.
 */
export declare function openMany(
  keys: Uint8Array,
  source: Uint8Array,
  records: Int32Array,
  associatedData: Uint8Array,
  out: Uint8Array,
): number;
