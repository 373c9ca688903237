/**
 * An HDR-style latency histogram: log-linear buckets (64 linear sub-buckets
 * per power of two, so every recorded value is kept within 1.6 %) over
 * integer microseconds. Small, mergeable, serialisable across processes.
 */
const SUB_BUCKET_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
const HALF = SUB_BUCKETS >> 1;
const MAX_SHIFT = 31 - SUB_BUCKET_BITS;
const BUCKETS = SUB_BUCKETS + MAX_SHIFT * HALF;

/** Bucket of a non-negative integer value (values beyond 2^31 µs share the last bucket). */
export function bucketOf(value: number): number {
  const v = Math.min(Math.max(0, Math.floor(value)), 2 ** 31 - 1);
  if (v < SUB_BUCKETS) return v;
  const shift = 32 - Math.clz32(v) - SUB_BUCKET_BITS;
  return SUB_BUCKETS + (shift - 1) * HALF + ((v >>> shift) - HALF);
}

/** The highest value that lands in `bucket` (what percentiles report, as HdrHistogram does). */
export function highestIn(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const shift = Math.floor((bucket - SUB_BUCKETS) / HALF) + 1;
  const mantissa = ((bucket - SUB_BUCKETS) % HALF) + HALF;
  return (mantissa + 1) * 2 ** shift - 1;
}

/** Sparse wire form: `[bucket, count]` pairs plus exact extremes. */
export interface HistogramJson {
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
}

export class Histogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = 0;
  sum = 0;

  /** Records `value` (µs) `times` times. */
  record(value: number, times = 1): void {
    this.#counts[bucketOf(value)]! += times;
    this.count += times;
    this.sum += value * times;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** The value at or below which `percent` % of the recorded values lie (0 when empty). */
  percentile(percent: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) return Math.min(highestIn(bucket), this.max);
    }
    return this.max;
  }

  merge(other: Histogram): this {
    other.#counts.forEach((n, bucket) => {
      this.#counts[bucket]! += n;
    });
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    return this;
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, bucket) => {
      if (n > 0) buckets.push([bucket, n]);
    });
    return { buckets, count: this.count, min: this.count ? this.min : 0, max: this.max, sum: this.sum };
  }

  static fromJSON(json: HistogramJson): Histogram {
    const h = new Histogram();
    for (const [bucket, n] of json.buckets) h.#counts[bucket] = n;
    h.count = json.count;
    h.min = json.count ? json.min : Infinity;
    h.max = json.max;
    h.sum = json.sum;
    return h;
  }
}

/** The percentiles every latency result reports, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number) => Math.round(us) / 1000;
  return { count: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), max: ms(h.max) };
}
