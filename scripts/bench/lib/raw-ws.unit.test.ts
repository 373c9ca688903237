import { describe, expect, it } from 'vitest';
import { clientFrame, FrameReader, OPCODE } from './raw-ws';

/** An unmasked server frame, as servers send them. */
function serverFrame(payload: Buffer, opcode: number = OPCODE.text): Buffer {
  const n = payload.length;
  const header = n < 126 ? Buffer.from([0x80 | opcode, n]) : n < 65536 ? Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]) : Buffer.alloc(10);
  if (n >= 65536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

function collect(chunks: readonly Buffer[]): { opcode: number; text: string }[] {
  const frames: { opcode: number; text: string }[] = [];
  const reader = new FrameReader((opcode, payload) => frames.push({ opcode, text: payload.toString('utf8') }));
  for (const chunk of chunks) reader.push(chunk);
  return frames;
}

describe('FrameReader', () => {
  const texts = ['a', 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(70_000), '{"type":"ack"}'];
  const stream = Buffer.concat([...texts.map((t) => serverFrame(Buffer.from(t))), serverFrame(Buffer.from('p'), OPCODE.ping)]);

  it('parses 7-bit, 16-bit and 64-bit lengths in one chunk', () => {
    const frames = collect([stream]);
    expect(frames.map((f) => f.text)).toEqual([...texts, 'p']);
    expect(frames.at(-1)!.opcode).toBe(OPCODE.ping);
  });

  it('gives the same frames whatever the chunking, even byte by byte', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(collect(bytes).map((f) => f.text)).toEqual([...texts, 'p']);
    const uneven: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 997) uneven.push(stream.subarray(i, i + 997));
    expect(collect(uneven).map((f) => f.text)).toEqual([...texts, 'p']);
  });

  it('copies a partial frame, so reads may reuse one buffer', () => {
    const shared = Buffer.alloc(stream.length);
    const frames: string[] = [];
    const reader = new FrameReader((_, payload) => frames.push(payload.toString('utf8')));
    for (let i = 0; i < stream.length; i += 997) {
      const n = stream.copy(shared, 0, i, i + 997);
      reader.push(shared.subarray(0, n));
      shared.fill(0);
    }
    expect(frames).toEqual([...texts, 'p']);
  });

  it('unmasks masked frames', () => {
    const framed = clientFrame('hello');
    // Re-mask with a real key to check the unmasking path.
    const key = [1, 2, 3, 4];
    const payloadStart = framed.length - 5;
    for (let i = 0; i < 4; i++) framed[payloadStart - 4 + i] = key[i]!;
    for (let i = 0; i < 5; i++) framed[payloadStart + i]! ^= key[i % 4]!;
    expect(collect([framed])[0]!.text).toBe('hello');
  });
});

describe('clientFrame', () => {
  it('marks the frame masked and final, with the length in the right form', () => {
    for (const [text, lengthByte] of [['hi', 2], ['x'.repeat(300), 126], ['x'.repeat(70_000), 127]] as const) {
      const frame = clientFrame(text);
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      expect(frame[1]! & 0x7f).toBe(lengthByte);
      expect(collect([frame])[0]!.text).toBe(text);
    }
  });
});
