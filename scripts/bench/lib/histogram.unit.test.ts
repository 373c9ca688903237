import { describe, expect, it } from 'vitest';
import { bucketOf, highestIn, Histogram, summarize } from './histogram';

describe('histogram buckets', () => {
  it('keeps small values exact', () => {
    for (const v of [0, 1, 63, 127]) expect(highestIn(bucketOf(v))).toBe(v);
  });

  it('keeps every value within 1.6 % above it, and never below', () => {
    for (let v = 128; v < 2 ** 31; v = Math.floor(v * 1.37) + 1) {
      const reported = highestIn(bucketOf(v));
      expect(reported).toBeGreaterThanOrEqual(v);
      expect((reported - v) / v).toBeLessThan(1 / 64);
    }
  });

  it('orders buckets like the values', () => {
    let previous = -1;
    for (let v = 0; v < 1_000_000; v += 997) {
      const bucket = bucketOf(v);
      expect(bucket).toBeGreaterThanOrEqual(previous);
      previous = bucket;
    }
  });

  it('clamps values beyond the range into the last bucket instead of failing', () => {
    expect(bucketOf(2 ** 40)).toBe(bucketOf(2 ** 31 - 1));
    expect(bucketOf(-5)).toBe(0);
  });
});

describe('Histogram', () => {
  it('answers percentiles of a uniform distribution within the bucket error', () => {
    const h = new Histogram();
    for (let v = 1; v <= 10_000; v++) h.record(v);
    expect(h.percentile(50)).toBeGreaterThanOrEqual(5000);
    expect(h.percentile(50)).toBeLessThan(5000 * 1.016);
    expect(h.percentile(99)).toBeGreaterThanOrEqual(9900);
    expect(h.percentile(100)).toBe(10_000);
  });

  it('sees a small slow tail at p99.9 but not at p99', () => {
    const h = new Histogram();
    h.record(1000, 9_980);
    h.record(500_000, 20);
    const s = summarize(h);
    expect(s.p99).toBeGreaterThanOrEqual(1);
    expect(s.p99).toBeLessThan(1.016);
    expect(s.p999).toBeGreaterThanOrEqual(500);
    expect(s.max).toBe(500);
  });

  it('survives a JSON round trip and merges exactly', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 0; v < 5000; v++) (v % 2 ? a : b).record(v * 3);
    const merged = Histogram.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(b);
    const direct = new Histogram();
    for (let v = 0; v < 5000; v++) direct.record(v * 3);
    expect(merged.toJSON()).toEqual(direct.toJSON());
  });

  it('answers zeros when empty', () => {
    expect(summarize(new Histogram())).toEqual({ count: 0, p50: 0, p99: 0, p999: 0, max: 0 });
  });
});
