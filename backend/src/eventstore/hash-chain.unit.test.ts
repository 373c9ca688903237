import { describe, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH, type ChainedFields } from './hash-chain';

const prev = Buffer.alloc(32, 0x11);

const base: ChainedFields = {
  position: 7,
  stream: 'room-abc',
  version: 3,
  type: 'message.sent',
  actor: 'user-1',
  occurredAt: new Date('2024-05-01T12:00:00.000Z'),
  keyId: 'key-1',
  nonce: Buffer.alloc(12, 0x01),
  ciphertext: Buffer.from('sealed-bytes'),
  metadata: { commandId: 'c1', correlationId: 'r1' },
};

describe('chainHash', () => {
  it('is a deterministic 32-byte SHA-256', () => {
    const a = chainHash(prev, base);
    const b = chainHash(Buffer.from(prev), { ...base, nonce: Buffer.from(base.nonce), ciphertext: Buffer.from(base.ciphertext) });
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(true);
  });

  // Logs already stored were chained with these values: a faster encoding must give the same bytes.
  it('keeps the hashes of chains already written (multi-byte text is length-prefixed in bytes)', () => {
    expect(chainHash(prev, base).toString('hex')).toBe('47fe3b44d0863c0f0388e91d7c1e8140022910fd0caf5f8954ea26a5c8fd7584');
    expect(chainHash(prev, { ...base, stream: 'room-été', actor: null, metadata: {} }).toString('hex')).toBe(
      'f52bad2cfb0077ece02bd635592375a12e30aebdef4e736e62957da12920dbf4',
    );
  });

  it('GENESIS_HASH is 32 zero bytes', () => {
    expect(GENESIS_HASH.equals(Buffer.alloc(32))).toBe(true);
  });

  const variants: [string, ChainedFields][] = [
    ['position', { ...base, position: 8 }],
    ['stream', { ...base, stream: 'room-abd' }],
    ['version', { ...base, version: 4 }],
    ['type', { ...base, type: 'message.edited' }],
    ['actor', { ...base, actor: 'user-2' }],
    ['actor (null)', { ...base, actor: null }],
    ['occurredAt', { ...base, occurredAt: new Date('2024-05-01T12:00:00.001Z') }],
    ['keyId', { ...base, keyId: 'key-2' }],
    ['nonce', { ...base, nonce: Buffer.from([...Buffer.alloc(11, 0x01), 0x02]) }],
    ['ciphertext', { ...base, ciphertext: Buffer.from('sealed-bytez') }],
    ['metadata value', { ...base, metadata: { commandId: 'c2', correlationId: 'r1' } }],
    ['metadata key', { ...base, metadata: { commandId: 'c1', causationId: 'r1' } }],
    ['metadata (empty)', { ...base, metadata: {} }],
  ];

  it.each(variants)('changes when %s changes', (_field, changed) => {
    expect(chainHash(prev, changed).equals(chainHash(prev, base))).toBe(false);
  });

  it('changes when prevHash changes', () => {
    const otherPrev = Buffer.from(prev);
    otherPrev[31] = 0x12;
    expect(chainHash(otherPrev, base).equals(chainHash(prev, base))).toBe(false);
    expect(chainHash(GENESIS_HASH, base).equals(chainHash(prev, base))).toBe(false);
  });

  it('does not depend on the key order of metadata', () => {
    const reordered: ChainedFields = { ...base, metadata: { correlationId: 'r1', commandId: 'c1' } };
    expect(chainHash(prev, reordered).equals(chainHash(prev, base))).toBe(true);
  });

  it('ignores metadata keys whose value is undefined', () => {
    const withUndefined: ChainedFields = { ...base, metadata: { ...base.metadata, causationId: undefined } };
    expect(chainHash(prev, withUndefined).equals(chainHash(prev, base))).toBe(true);
  });

  it('length-prefixes fields so that moving bytes between them changes the hash', () => {
    const a = chainHash(prev, { ...base, stream: 'ab', type: 'c' });
    const b = chainHash(prev, { ...base, stream: 'a', type: 'bc' });
    expect(a.equals(b)).toBe(false);
    const c = chainHash(prev, { ...base, keyId: 'k', nonce: Buffer.from('xy') });
    const d = chainHash(prev, { ...base, keyId: 'kx', nonce: Buffer.from('y') });
    expect(c.equals(d)).toBe(false);
    const e = chainHash(prev, { ...base, nonce: Buffer.from('ab'), ciphertext: Buffer.from('c') });
    const f = chainHash(prev, { ...base, nonce: Buffer.from('a'), ciphertext: Buffer.from('bc') });
    expect(e.equals(f)).toBe(false);
  });
});

describe('canonicalJson', () => {
  it('sorts object keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text for objects that differ only in key order', () => {
    expect(canonicalJson({ x: { q: 1, p: 2 }, w: null })).toBe(canonicalJson({ w: null, x: { p: 2, q: 1 } }));
  });

  it('drops keys whose value is undefined, at every depth', () => {
    expect(canonicalJson({ a: undefined, b: { c: undefined, d: 1 } })).toBe('{"b":{"d":1}}');
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
  });

  it('encodes scalars as JSON does', () => {
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(1.5)).toBe('1.5');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({})).toBe('{}');
  });

  it('escapes keys', () => {
    expect(canonicalJson({ 'a"b': 1 })).toBe('{"a\\"b":1}');
  });

  it('matches JSON.parse round trips', () => {
    const value = { z: [1, { b: 'two', a: null }], a: { nested: { deeper: true } } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});
