/**
 * A token bucket kept as two numbers inside the object that owns it (a
 * connection), not as an object of its own: one fewer object per socket.
 */
export interface TokenBucketState {
  /** Tokens left (fractional while refilling). */
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  tokensAt: number;
}

/** Takes one token (`burst` at once, refilled at `ratePerSecond`); false when the bucket is empty. */
export function takeToken(bucket: TokenBucketState, now: number, ratePerSecond: number, burst: number): boolean {
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.tokensAt) / 1000) * ratePerSecond);
  bucket.tokensAt = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
