/** What a batch writer decided for one request of the batch. */
export type Outcome<Res> = { readonly ok: true; readonly value: Res } | { readonly ok: false; readonly error: unknown };

/**
 * Waiting requests from which a batch that starts alone takes only half (the
 * rest start as the next batch when it hands off). A shorter queue stays one
 * batch: two batches pay two sets of round trips and commits, which the
 * overlap repays only for sizeable halves (the append benchmark's 64 writers
 * did best with halves of 32; this threshold itself was not tuned).
 */
export const SPLIT_AT = 16;

/**
 * Funnels concurrent requests into batches written by one transaction each, so
 * that N waiting writers share one commit (one fsync) instead of paying N.
 * While a batch commits, new requests queue; the next batch takes them all.
 * If a whole batch fails (an unexpected SQL error), each request is retried
 * alone so one bad request cannot fail its neighbours, unless `isolates`
 * says the failure is not any one request's doing (the database is away):
 * then the whole batch fails at once, and retrying one by one would only
 * hold every later request behind doomed attempts.
 *
 * A writer may call `handOff` once its last round trip is on its way (the
 * commit): the next batch then starts, so its first steps overlap this one's
 * commit. At most two batches are in flight; their outcomes settle apart.
 * For that overlap something must be waiting when a batch hands off: a batch
 * that starts with no other in flight takes only half of a long queue
 * (`splitAt`, where the writer can overlap batches at all). Else writers that
 * each wait for their last append (a closed loop) all ride in every batch
 * and leave the next one nothing to overlap.
 */
export class GroupCommitter<Req, Res> {
  readonly #queue: { request: Req; resolve: (value: Res) => void; reject: (error: unknown) => void }[] = [];
  /** The running drain loop, if any; cleared in the same tick the loop sees an empty queue. */
  #draining: Promise<void> | undefined;
  /** Wakes the drain loop waiting on a handed-off batch when a request arrives. */
  #onSubmit: (() => void) | undefined;
  /** Batches started and not yet settled (at most two). */
  #inFlight = 0;
  /** Batches committed so far (for metrics and tests). */
  batches = 0;

  constructor(
    private readonly writeBatch: (requests: readonly Req[], handOff: () => void) => Promise<Outcome<Res>[]>,
    private readonly maxBatch: number,
    private readonly isolates: (error: unknown) => boolean = () => true,
    /** Waiting requests from which a batch that starts alone takes half; `Infinity` where batches cannot overlap. */
    private readonly splitAt: number = SPLIT_AT,
  ) {}

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#onSubmit?.();
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves once every request submitted so far has been settled. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Yield once so requests submitted in the same tick join the first batch.
    await Promise.resolve();
    let previous: Promise<void> = Promise.resolve();
    try {
      while (this.#queue.length > 0) {
        const alone = this.#inFlight === 0 && this.#queue.length >= this.splitAt;
        const batch = this.#queue.splice(0, Math.min(this.maxBatch, alone ? Math.ceil(this.#queue.length / 2) : Infinity));
        let handOff!: () => void;
        const handedOff = new Promise<void>((resolve) => (handOff = resolve));
        this.#inFlight++;
        const settled = this.#write(
          batch.map((p) => p.request),
          handOff,
        ).then((outcomes) => {
          this.#inFlight--;
          batch.forEach((pending, i) => {
            const outcome = outcomes[i] ?? { ok: false, error: new Error('the batch writer gave no outcome for this request') };
            if (outcome.ok) pending.resolve(outcome.value);
            else pending.reject(outcome.error);
          });
        });
        await Promise.race([settled, handedOff]);
        await previous;
        previous = settled;
        // Nothing queued yet: wait for this batch, or for a request to overlap it with.
        if (this.#queue.length === 0) await Promise.race([settled, new Promise<void>((resolve) => (this.#onSubmit = resolve))]);
        this.#onSubmit = undefined;
      }
    } finally {
      // No await between the empty-queue check and here: a later submit starts a new loop.
      this.#draining = this.#queue.length > 0 ? this.#drain() : undefined;
    }
  }

  async #write(requests: Req[], handOff: () => void = () => {}): Promise<Outcome<Res>[]> {
    try {
      const outcomes = await this.writeBatch(requests, handOff);
      this.batches++;
      return outcomes;
    } catch (error) {
      if (requests.length === 1 || !this.isolates(error)) return requests.map(() => ({ ok: false, error }));
      const outcomes: Outcome<Res>[] = [];
      for (const request of requests) outcomes.push(...(await this.#write([request])));
      return outcomes;
    }
  }
}
