import { describe, expect, it } from 'vitest';
import { takeToken } from './token-bucket';

describe('token bucket', () => {
  it('allows a burst, then the refill rate', () => {
    let now = 0;
    const bucket = { fullAt: 0 };
    const take = () => takeToken(bucket, now, 10, 3);
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([take(), take()]).toEqual([true, false]);
    now += 10_000;
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
  });

  it('keeps its state a small integer at any rate', () => {
    const bucket = { fullAt: 0 };
    takeToken(bucket, 1234.5, 3, 5);
    expect(Number.isInteger(bucket.fullAt)).toBe(true);
    takeToken(bucket, 99_999, 1_000_000, 1_000_000);
    expect(Number.isInteger(bucket.fullAt)).toBe(true);
  });
});
