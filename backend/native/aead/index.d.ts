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
