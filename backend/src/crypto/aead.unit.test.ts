import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, open, seal, type Sealed } from './aead';

const key = randomBytes(32);
const plaintext = Buffer.from('the quick brown fox jumps over the lazy dog', 'utf8');
const aad = Buffer.from('room-1/42', 'utf8');

function flipBit(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('seal/open', () => {
  it('round-trips the plaintext', () => {
    const sealed = seal(key, plaintext, aad);
    expect(open(key, sealed, aad).equals(plaintext)).toBe(true);
  });

  it('round-trips an empty plaintext', () => {
    const sealed = seal(key, Buffer.alloc(0), aad);
    expect(sealed.ciphertext).toHaveLength(16);
    expect(open(key, sealed, aad)).toHaveLength(0);
  });

  it('produces a 12-byte nonce and a ciphertext with a 16-byte tag appended', () => {
    const sealed = seal(key, plaintext, aad);
    expect(sealed.nonce).toHaveLength(12);
    expect(sealed.ciphertext).toHaveLength(plaintext.length + 16);
    expect(sealed.ciphertext.subarray(0, plaintext.length).equals(plaintext)).toBe(false);
  });

  it('uses a fresh nonce for every seal of the same plaintext', () => {
    const a = seal(key, plaintext, aad);
    const b = seal(key, plaintext, aad);
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(open(key, a, aad).equals(open(key, b, aad))).toBe(true);
  });
});

describe('open refuses tampering', () => {
  const sealed = seal(key, plaintext, aad);

  const cases: [string, () => unknown][] = [
    ['a wrong key', () => open(randomBytes(32), sealed, aad)],
    ['altered associated data', () => open(key, sealed, Buffer.from('room-1/43'))],
    ['empty associated data', () => open(key, sealed, Buffer.alloc(0))],
    ['a flipped ciphertext bit', () => open(key, { ...sealed, ciphertext: flipBit(sealed.ciphertext, 0) }, aad)],
    [
      'a flipped tag bit',
      () => open(key, { ...sealed, ciphertext: flipBit(sealed.ciphertext, sealed.ciphertext.length - 1) }, aad),
    ],
    ['a flipped nonce bit', () => open(key, { ...sealed, nonce: flipBit(sealed.nonce, 5) }, aad)],
    ['a ciphertext truncated by one byte', () => open(key, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, -1) }, aad)],
    ['a ciphertext shorter than the tag', () => open(key, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 15) }, aad)],
    ['an empty ciphertext', () => open(key, { ...sealed, ciphertext: Buffer.alloc(0) }, aad)],
    ['a short nonce', () => open(key, { ...sealed, nonce: sealed.nonce.subarray(0, 11) }, aad)],
    ['a ciphertext from another seal', () => open(key, { nonce: sealed.nonce, ciphertext: seal(key, plaintext, aad).ciphertext } satisfies Sealed, aad)],
  ];

  it.each(cases)('throws DecryptionError for %s', (_label, run) => {
    expect(run).toThrow(DecryptionError);
  });

  it('leaves the original sealed value openable', () => {
    expect(open(key, sealed, aad).equals(plaintext)).toBe(true);
  });
});
