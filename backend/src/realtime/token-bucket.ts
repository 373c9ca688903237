/**
 * A token bucket kept as one number inside the object that owns it (a
 * connection), in the form of GCRA: the moment, counted in whole emission
 * intervals (1/rate s), at which the bucket is full again. A frame is let
 * through if that moment is at most `burst` intervals ahead; it pushes it one
 * interval further. Counted in intervals the number stays a small integer
 * (for years at 20 frames/s), which V8 keeps inline: a fractional token count
 * and a timestamp took two fields and a heap number each on every idle socket.
 */
export interface TokenBucketState {
  /** Emission intervals since the clock's zero at which the bucket is full; 0 (long past) when new. */
  fullAt: number;
}

/** Takes one token (`burst` at once, refilled at `ratePerSecond`); false when the bucket is empty. */
export function takeToken(bucket: TokenBucketState, nowMs: number, ratePerSecond: number, burst: number): boolean {
  const now = Math.floor((nowMs * ratePerSecond) / 1000);
  const fullAt = Math.max(bucket.fullAt, now) + 1;
  if (fullAt - now > burst) return false;
  bucket.fullAt = fullAt;
  return true;
}
