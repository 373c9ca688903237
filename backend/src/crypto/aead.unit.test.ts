import * as native from '@chatterlink/aead-native';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DecryptionError, open, openAllJoined, seal, type Sealed, type SealedSpan } from './aead';
import { openWithNodeCrypto, sealWithNodeCrypto } from './aead-reference';

const key = randomBytes(32);
const plaintext = Buffer.from('the quick brown fox jumps over the lazy dog', 'utf8');
const aad = Buffer.from('room-1/42', 'utf8');

function flipInPlace(buffer: Buffer, index: number): void {
  buffer[index] = buffer[index]! ^ 0x01;
}

function flipBit(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  flipInPlace(copy, index);
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

describe('the native addon and node:crypto agree on the format', () => {
  const sizes = [0, 1, 15, 16, 17, 200, 4096, 70_000];
  const aads = [Buffer.alloc(0), aad, randomBytes(1000)];

  it.each(sizes)('node:crypto opens what the addon sealed (%i bytes)', (size) => {
    for (const associatedData of aads) {
      const message = randomBytes(size);
      expect(openWithNodeCrypto(key, seal(key, message, associatedData), associatedData).equals(message)).toBe(true);
    }
  });

  it.each(sizes)('the addon opens what node:crypto sealed (%i bytes)', (size) => {
    for (const associatedData of aads) {
      const message = randomBytes(size);
      expect(open(key, sealWithNodeCrypto(key, message, associatedData), associatedData).equals(message)).toBe(true);
    }
  });

  it('refuses a node:crypto ciphertext under altered associated data', () => {
    const sealed = sealWithNodeCrypto(key, plaintext, aad);
    expect(() => open(key, sealed, Buffer.from('room-2/42'))).toThrow(DecryptionError);
  });

  it('reads inputs that are views into larger buffers', () => {
    const backing = randomBytes(400);
    const keyView = backing.subarray(7, 39);
    const messageView = backing.subarray(101, 301);
    const aadView = backing.subarray(333, 350);
    const sealed = seal(keyView, messageView, aadView);
    expect(openWithNodeCrypto(Buffer.from(keyView), sealed, Buffer.from(aadView)).equals(messageView)).toBe(true);
  });
});

describe('nonces and cached key schedules', () => {
  it('never repeats a nonce across many seals (several refills of the nonce pool)', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5000; i++) nonces.add(seal(key, plaintext, aad).nonce.toString('hex'));
    expect(nonces.size).toBe(5000);
  });

  it('seals under whichever key is passed when keys alternate', () => {
    const other = randomBytes(32);
    const sealedA = seal(key, plaintext, aad);
    const sealedB = seal(other, plaintext, aad);
    const sealedA2 = seal(key, plaintext, aad);
    expect(openWithNodeCrypto(key, sealedA, aad).equals(plaintext)).toBe(true);
    expect(openWithNodeCrypto(other, sealedB, aad).equals(plaintext)).toBe(true);
    expect(openWithNodeCrypto(key, sealedA2, aad).equals(plaintext)).toBe(true);
    expect(() => open(key, sealedB, aad)).toThrow(DecryptionError);
    expect(open(other, sealedB, aad).equals(plaintext)).toBe(true);
  });

  it('compares keys by value: the same Buffer changed in place seals under its new bytes', () => {
    const mutable = Buffer.from(key);
    const before = seal(mutable, plaintext, aad);
    mutable.fill(0x42);
    const after = seal(mutable, plaintext, aad);
    expect(openWithNodeCrypto(key, before, aad).equals(plaintext)).toBe(true);
    expect(openWithNodeCrypto(Buffer.alloc(32, 0x42), after, aad).equals(plaintext)).toBe(true);
    expect(() => open(key, after, aad)).toThrow(DecryptionError);
  });
});

describe('bad arguments throw JavaScript errors', () => {
  it('rejects a key of the wrong length when sealing', () => {
    expect(() => seal(randomBytes(16), plaintext, aad)).toThrow(RangeError);
    expect(() => seal(Buffer.alloc(0), plaintext, aad)).toThrow(RangeError);
  });

  it('answers DecryptionError for a key of the wrong length when opening', () => {
    const sealed = seal(key, plaintext, aad);
    expect(() => open(randomBytes(31), sealed, aad)).toThrow(DecryptionError);
  });

  it('rejects non-byte arguments and wrong output sizes in the addon itself', () => {
    const out = Buffer.alloc(plaintext.length + 28);
    expect(() => native.seal('key' as unknown as Buffer, plaintext, aad, out)).toThrow(TypeError);
    expect(() => native.seal(key, plaintext, aad, Buffer.alloc(10))).toThrow(RangeError);
    expect(() => (native.seal as (...args: unknown[]) => void)(key, plaintext)).toThrow(TypeError);
    expect(() => native.seal(key, plaintext, new Uint16Array(4) as unknown as Buffer, out)).toThrow(TypeError);
    const sealed = seal(key, plaintext, aad);
    expect(() => native.open(key, sealed.nonce.subarray(0, 8), sealed.ciphertext, aad, Buffer.alloc(plaintext.length))).toThrow(RangeError);
    expect(() => native.open(key, sealed.nonce, sealed.ciphertext, aad, Buffer.alloc(1))).toThrow(RangeError);
  });

  it('zeroes the output when a ciphertext does not authenticate', () => {
    const sealed = seal(key, plaintext, aad);
    const out = Buffer.alloc(plaintext.length, 0xff);
    expect(native.open(key, sealed.nonce, flipBit(sealed.ciphertext, 3), aad, out)).toBe(false);
    expect(out.every((byte) => byte === 0)).toBe(true);
  });
});

describe('openAllJoined: many ciphertexts of one buffer', () => {
  const joining = { open: '<', separator: '|', close: '>' };
  const openAll = (keys: Buffer[], source: Buffer, spans: SealedSpan[]) => openAllJoined(keys, source, spans, joining);
  const otherKey = randomBytes(32);
  const texts = ['{"a":1}', '', 'gr\u00fc\u00df \u{1F600}', 'x'.repeat(3000)];
  const associated = ['chatterlink/event/v1\0room-\u00fc\u00011\0t', 'b', '', 'd'];

  /** The texts sealed alternately under two keys, laid out after some filler as a page lays them. */
  function page(): { source: Buffer; spans: SealedSpan[] } {
    const parts: Buffer[] = [randomBytes(5)];
    let at = 5;
    const spans = texts.map((text, i) => {
      const sealed = seal(i % 2 === 0 ? key : otherKey, Buffer.from(text, 'utf8'), Buffer.from(associated[i]!, 'utf8'));
      parts.push(sealed.nonce, randomBytes(3), sealed.ciphertext);
      const span = { keyIndex: i % 2, nonceAt: at, nonceLength: 12, ciphertextAt: at + 15, ciphertextLength: sealed.ciphertext.length, associatedData: associated[i]! };
      at += 15 + sealed.ciphertext.length;
      return span;
    });
    return { source: Buffer.concat(parts), spans };
  }

  it('answers the plaintexts joined as one text, each opened under its own key and associated data', () => {
    const { source, spans } = page();
    expect(openAll([key, otherKey], source, spans)).toBe(`<${texts.join('|')}>`);
    expect(openAll([key, otherKey], source, spans.slice(2, 3))).toBe(`<${texts[2]}>`);
    expect(openAll([key, otherKey], source, [])).toBe('<>');
  });

  it('decodes a page of ASCII plaintexts and a page with one non-ASCII plaintext alike (the first takes a shortcut)', () => {
    const { source, spans } = page();
    const ascii = [spans[0]!, spans[1]!, spans[3]!];
    expect(openAll([key, otherKey], source, ascii)).toBe(`<${[texts[0], texts[1], texts[3]].join('|')}>`);
    expect(openAll([key, otherKey], source, [...ascii, spans[2]!])).toBe(`<${[texts[0], texts[1], texts[3], texts[2]].join('|')}>`);
  });

  it('frames only with single ASCII characters', () => {
    const { source, spans } = page();
    expect(() => openAllJoined([key, otherKey], source, spans, { ...joining, separator: ', ' })).toThrow(TypeError);
    expect(() => openAllJoined([key, otherKey], source, spans, { ...joining, open: '\u00fc' })).toThrow(TypeError);
    expect(() => openAllJoined([key, otherKey], source, spans, { ...joining, close: '' })).toThrow(TypeError);
  });

  it.each([
    ['a flipped ciphertext bit', (s: Buffer, spans: SealedSpan[]) => flipInPlace(s, spans[2]!.ciphertextAt)],
    ['a flipped tag bit', (s: Buffer, spans: SealedSpan[]) => flipInPlace(s, spans[3]!.ciphertextAt + spans[3]!.ciphertextLength - 1)],
    ['a flipped nonce bit', (s: Buffer, spans: SealedSpan[]) => flipInPlace(s, spans[1]!.nonceAt)],
  ])('throws DecryptionError for %s', (_label, tamper) => {
    const { source, spans } = page();
    tamper(source, spans);
    expect(() => openAll([key, otherKey], source, spans)).toThrow(DecryptionError);
  });

  it('throws DecryptionError for the wrong key or associated data', () => {
    const { source, spans } = page();
    expect(() => openAll([otherKey, key], source, spans)).toThrow(/ciphertext 0 of 4/);
    const moved = spans.map((span, i) => (i === 3 ? { ...span, associatedData: 'e' } : span));
    expect(() => openAll([key, otherKey], source, moved)).toThrow(/ciphertext 3 of 4/);
  });

  it('throws DecryptionError for a malformed span, before decrypting anything', () => {
    const { source, spans } = page();
    const withSpan = (change: Partial<SealedSpan>) => spans.map((span, i) => (i === 1 ? { ...span, ...change } : span));
    expect(() => openAll([key, otherKey], source, withSpan({ nonceLength: 8 }))).toThrow(DecryptionError);
    expect(() => openAll([key, otherKey], source, withSpan({ ciphertextLength: 15 }))).toThrow(DecryptionError);
    expect(() => openAll([key, otherKey], source, withSpan({ keyIndex: 2 }))).toThrow(DecryptionError);
    expect(() => openAll([key, randomBytes(16)], source, spans)).toThrow(DecryptionError);
  });

  it('refuses, in the addon, ranges outside its buffers', () => {
    const { source, spans } = page();
    const beyond = spans.map((span, i) => (i === 2 ? { ...span, ciphertextAt: source.length - 20 } : span));
    expect(() => openAll([key, otherKey], source, beyond)).toThrow(RangeError);
    const records = (fields: number[]) => new Int32Array(fields);
    const out = Buffer.alloc(64);
    expect(() => native.openMany(key, source, records([0, 0, 12, 16, 0, 0]), Buffer.alloc(0), out)).toThrow(RangeError);
    expect(() => native.openMany(key, source, records([1, 0, 12, 16, 0, 0, 0]), Buffer.alloc(0), out)).toThrow(RangeError);
    expect(() => native.openMany(key, source, records([0, -1, 12, 16, 0, 0, 0]), Buffer.alloc(0), out)).toThrow(RangeError);
    expect(() => native.openMany(key, source, records([0, 0, 12, 16, 0, 1, 0]), Buffer.alloc(0), out)).toThrow(RangeError);
    expect(() => native.openMany(key, source, records([0, 0, 12, 81, 0, 0, 0]), Buffer.alloc(0), out)).toThrow(RangeError);
    expect(() => native.openMany(key, source, records([0, 0, 12, source.length, 0, 0, 0]), Buffer.alloc(0), Buffer.alloc(source.length))).toThrow(RangeError);
    expect(() => native.openMany(key, source, [0, 0, 12, 16, 0, 0, 0] as unknown as Int32Array, Buffer.alloc(0), out)).toThrow(TypeError);
  });

  it('zeroes every plaintext when one ciphertext does not authenticate', () => {
    const first = seal(key, plaintext, aad);
    const second = seal(key, plaintext, aad);
    const source = Buffer.concat([first.nonce, first.ciphertext, second.nonce, flipBit(second.ciphertext, 0)]);
    const length = first.ciphertext.length;
    const out = Buffer.alloc(2 * plaintext.length, 0xff);
    const records = new Int32Array([0, 0, 12, length, 0, aad.length, 0, 0, 12 + length, 24 + length, length, 0, aad.length, plaintext.length]);
    expect(native.openMany(key, source, records, aad, out)).toBe(1);
    expect(out.every((byte) => byte === 0)).toBe(true);
  });
});

describe('worker threads', () => {
  it('seals in a worker with its own addon instance', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { seal } = require(workerData.addon);
      const out = Buffer.alloc(workerData.plaintext.length + 28);
      seal(workerData.key, workerData.plaintext, workerData.aad, out);
      parentPort.postMessage(out);`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { addon: createRequire(import.meta.url).resolve('@chatterlink/aead-native'), key, plaintext, aad },
    });
    const [out] = (await once(worker, 'message')) as [Uint8Array];
    await worker.terminate();
    const sealed = { nonce: Buffer.from(out.subarray(0, 12)), ciphertext: Buffer.from(out.subarray(12)) };
    expect(open(key, sealed, aad).equals(plaintext)).toBe(true);
  });
});
