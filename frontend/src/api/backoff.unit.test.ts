import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, jittered within the upper half', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(3, 0)).toBe(2000);
    expect(backoffDelay(40, 1)).toBe(30_000);
    expect(backoffDelay(40, 0)).toBe(15_000);
  });
});
