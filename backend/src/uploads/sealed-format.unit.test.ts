import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../crypto/aead';
import { CHUNK_BYTES, chunkCount, ChunkSealer, openChunk, sealedSize, SEALED_HEADER, uploadKey } from './sealed-format';

function sealAll(key: Buffer, id: string, data: Buffer, pieces = 7): Buffer[] {
  const sealer = new ChunkSealer(key, id);
  const chunks: Buffer[] = [];
  const step = Math.ceil(data.length / pieces) || 1;
  for (let at = 0; at < data.length; at += step) chunks.push(...sealer.push(data.subarray(at, at + step)));
  chunks.push(sealer.finish());
  return chunks;
}

const openAll = (key: Buffer, id: string, chunks: Buffer[]) =>
  Buffer.concat(chunks.map((chunk, i) => openChunk(key, id, i, i === chunks.length - 1, chunk)));

describe('sealed upload format', () => {
  const key = uploadKey(randomBytes(32), randomUUID());
  const id = randomUUID();

  it('round-trips files of every boundary size, with one chunk per 64 KiB and the predicted size on disk', () => {
    for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 3 * CHUNK_BYTES + 5]) {
      const data = randomBytes(size);
      const chunks = sealAll(key, id, data);
      expect(chunks.length, `size ${size}`).toBe(chunkCount(size));
      expect(SEALED_HEADER.length + chunks.reduce((n, c) => n + c.length, 0)).toBe(sealedSize(size));
      expect(openAll(key, id, chunks).equals(data)).toBe(true);
    }
  });

  it('derives a distinct key per upload from the same data key', () => {
    const dataKey = randomBytes(32);
    expect(uploadKey(dataKey, 'a').equals(uploadKey(dataKey, 'a'))).toBe(true);
    expect(uploadKey(dataKey, 'a').equals(uploadKey(dataKey, 'b'))).toBe(false);
    expect(uploadKey(dataKey, 'a').equals(dataKey)).toBe(false);
  });

  it('refuses truncation, reordering, a flipped bit, another upload id or another key', () => {
    const chunks = sealAll(key, id, randomBytes(3 * CHUNK_BYTES + 10));
    expect(() => openAll(key, id, chunks.slice(0, -1))).toThrow(DecryptionError);
    expect(() => openAll(key, id, [chunks[1]!, chunks[0]!, ...chunks.slice(2)])).toThrow(DecryptionError);
    const flipped = Buffer.from(chunks[2]!);
    flipped[100]! ^= 1;
    expect(() => openChunk(key, id, 2, false, flipped)).toThrow(DecryptionError);
    expect(() => openAll(key, randomUUID(), chunks)).toThrow(DecryptionError);
    expect(() => openAll(uploadKey(randomBytes(32), id), id, chunks)).toThrow(DecryptionError);
    // A full chunk presented as the last one (the tail cut off) fails too.
    expect(() => openChunk(key, id, 0, true, chunks[0]!)).toThrow(DecryptionError);
  });
});
