import { describe, expect, it } from 'vitest';
import { AttemptLimiter } from './attempt-limiter';

/** A limiter of 3 attempts per 60 s on a clock the test moves. */
function setup(limit = 3, windowMs = 60_000) {
  const clock = { now: 1_000_000 };
  const limiter = new AttemptLimiter(limit, windowMs, () => clock.now);
  return { clock, limiter };
}

describe('AttemptLimiter', () => {
  it('allows `limit` attempts, then asks to retry after the rest of the window', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('ip')).toBe(0);
      limiter.record('ip');
    }
    expect(limiter.retryAfter('ip')).toBe(60);
    clock.now += 10_000;
    expect(limiter.retryAfter('ip')).toBe(50);
    clock.now += 500;
    // Rounds up to whole seconds.
    expect(limiter.retryAfter('ip')).toBe(50);
    clock.now += 49_000;
    expect(limiter.retryAfter('ip')).toBe(1);
  });

  it('never answers less than one second while blocked', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 3; i++) limiter.record('ip');
    clock.now += 59_999;
    expect(limiter.retryAfter('ip')).toBe(1);
  });

  it('counts from the first attempt of the window', () => {
    const { clock, limiter } = setup();
    limiter.record('ip');
    clock.now += 20_000;
    limiter.record('ip');
    limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(40);
  });

  it('resets when the window expires', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 5; i++) limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBeGreaterThan(0);
    clock.now += 60_000;
    expect(limiter.retryAfter('ip')).toBe(0);
    // A new window starts with the next attempt.
    limiter.record('ip');
    limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(0);
    limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(60);
  });

  it('starts a fresh window for an attempt after expiry even without a check in between', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 3; i++) limiter.record('ip');
    clock.now += 61_000;
    limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(0);
  });

  it('reset(key) clears the key', () => {
    const { limiter } = setup();
    for (let i = 0; i < 3; i++) limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(60);
    limiter.reset('ip');
    expect(limiter.retryAfter('ip')).toBe(0);
    limiter.record('ip');
    limiter.record('ip');
    expect(limiter.retryAfter('ip')).toBe(0);
  });

  it('keeps keys independent', () => {
    const { clock, limiter } = setup();
    for (let i = 0; i < 3; i++) limiter.record('a');
    clock.now += 30_000;
    limiter.record('b');
    expect(limiter.retryAfter('a')).toBe(30);
    expect(limiter.retryAfter('b')).toBe(0);
    limiter.reset('b');
    expect(limiter.retryAfter('a')).toBe(30);
    limiter.reset('a');
    expect(limiter.retryAfter('a')).toBe(0);
  });

  it('blocks immediately with a limit of one', () => {
    const { limiter } = setup(1, 5_000);
    expect(limiter.retryAfter('k')).toBe(0);
    limiter.record('k');
    expect(limiter.retryAfter('k')).toBe(5);
  });

  it('reset of an unknown key is harmless', () => {
    const { limiter } = setup();
    expect(() => limiter.reset('never-seen')).not.toThrow();
    expect(limiter.retryAfter('never-seen')).toBe(0);
  });
});
