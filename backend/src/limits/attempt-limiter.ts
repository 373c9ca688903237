/**
 * Counts attempts per key in a fixed window (e.g. login attempts per IP).
 * In memory and per process: a node restart forgets, which errs on the side
 * of letting people in, never of locking them out.
 */
export class AttemptLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 if it may now. */
  retryAfter(key: string): number {
    const window = this.#current(key);
    if (!window || window.count < this.limit) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - this.now()) / 1000));
  }

  record(key: string): void {
    const window = this.#current(key);
    if (window) window.count += 1;
    else this.#windows.set(key, { start: this.now(), count: 1 });
    if (this.#windows.size > 100_000) this.#sweep();
  }

  reset(key: string): void {
    this.#windows.delete(key);
  }

  #current(key: string) {
    const window = this.#windows.get(key);
    if (window && this.now() - window.start >= this.windowMs) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #sweep(): void {
    for (const key of this.#windows.keys()) this.#current(key);
  }
}
