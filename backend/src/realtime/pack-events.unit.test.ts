import { describe, expect, it } from 'vitest';
import { packEventFrames } from './pack-events';

const frame = (position: number, body = 'x') => JSON.stringify({ type: 'event', position, event: 'message.sent', room: 'r', actor: 'a', at: 't', data: { body } });

describe('packEventFrames', () => {
  it('packs consecutive frames, in order, into envelopes of at most maxBytes', () => {
    const frames = Array.from({ length: 100 }, (_, i) => frame(i + 1, 'é'.repeat(i)));
    const packed = packEventFrames(frames, 2000);
    expect(packed.length).toBeGreaterThan(1);
    for (const text of packed) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
    const events = packed.flatMap((text) => {
      const parsed = JSON.parse(text) as { type: string; events?: unknown[] };
      return parsed.type === 'events' ? parsed.events! : [parsed];
    });
    expect(events).toEqual(frames.map((f) => JSON.parse(f)));
  });

  it('fills an envelope up to the limit exactly', () => {
    const frames = [frame(1), frame(2), frame(3)];
    const exact = '{"type":"events","events":[]}'.length + frames[0]!.length + 1 + frames[1]!.length;
    expect(packEventFrames(frames, exact)).toEqual([`{"type":"events","events":[${frames[0]},${frames[1]}]}`, frames[2]]);
  });

  it('sends a lone event, or one too big to share an envelope, as its own event frame', () => {
    expect(packEventFrames([frame(1)], 1000)).toEqual([frame(1)]);
    const big = frame(2, 'y'.repeat(500));
    expect(packEventFrames([frame(1), big, frame(3)], 400)).toEqual([frame(1), big, frame(3)]);
    expect(packEventFrames([], 1000)).toEqual([]);
  });
});
