import { describe, expect, it } from 'vitest';
import { parseNodeFlags, parseServerEnv } from './server-env';

describe('parseServerEnv', () => {
  it('reads space-separated NAME=value pairs, keeping "=" inside a value', () => {
    expect(parseServerEnv(' MALLOC_ARENA_MAX=2  NODE_OPTIONS=--max-semi-space-size=16 ')).toEqual({
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: '--max-semi-space-size=16',
    });
  });

  it('reads an empty setting as no extra variables', () => {
    expect(parseServerEnv('')).toEqual({});
  });

  it('refuses a pair without a name', () => {
    expect(() => parseServerEnv('MALLOC_ARENA_MAX')).toThrow(/expected NAME=value, got "MALLOC_ARENA_MAX"/);
    expect(() => parseServerEnv('=2')).toThrow(/got "=2"/);
  });
});

describe('parseNodeFlags', () => {
  it('defaults to single-threaded GC, as for a process confined to one core', () => {
    expect(parseNodeFlags(undefined)).toEqual(['--single-threaded-gc']);
  });

  it('takes the flags given instead, and none for an empty text', () => {
    expect(parseNodeFlags(' --max-semi-space-size=32  --single-threaded-gc ')).toEqual(['--max-semi-space-size=32', '--single-threaded-gc']);
    expect(parseNodeFlags('')).toEqual([]);
  });
});
