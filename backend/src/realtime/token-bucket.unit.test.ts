import { describe, expect, it } from 'vitest';
import { takeToken } from './token-bucket';

describe('token bucket', () => {
  it('allows a burst, then the refill rate', () => {
    let now = 0;
    const bucket = { tokens: 3, tokensAt: now };
    const take = () => takeToken(bucket, now, 10, 3);
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([take(), take()]).toEqual([true, false]);
    now += 10_000;
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
  });
});
