import { describe, expect, it } from 'vitest';
import { climb, descend } from './ladder';

/** A step runner whose outcomes are scripted per call, recording the rates it ran. */
function scripted(outcomes: readonly boolean[]) {
  const ran: number[] = [];
  const run = async (rate: number) => {
    const ok = outcomes[ran.length] ?? true;
    ran.push(rate);
    return { rate, ok };
  };
  return { ran, run };
}

describe('climb', () => {
  it('runs every rate while steps pass', async () => {
    const { ran, run } = scripted([true, true, true]);
    expect((await climb([1, 2, 3], run)).map((s) => s.rate)).toEqual([1, 2, 3]);
    expect(ran).toEqual([1, 2, 3]);
  });

  it('runs a failing step once more and goes on when the retry passes', async () => {
    const { ran, run } = scripted([true, false, true, true]);
    const steps = await climb([1, 2, 3], run);
    expect(ran).toEqual([1, 2, 2, 3]);
    expect(steps.map((s) => [s.rate, s.ok])).toEqual([
      [1, true],
      [2, false],
      [2, true],
      [3, true],
    ]);
  });

  it('stops after a rate fails twice in a row, then runs the rate halfway down to the last that passed', async () => {
    const { ran, run } = scripted([true, false, false, true]);
    const steps = await climb([100, 200, 300], run);
    expect(ran).toEqual([100, 200, 200, 150]);
    expect(steps.map((s) => s.ok)).toEqual([true, false, false, true]);
  });

  it('runs the halfway rate once more when it fails, as any rate where failures count', async () => {
    const { ran, run } = scripted([true, true, false, false, false, false]);
    await climb([100, 200, 400], run);
    expect(ran).toEqual([100, 200, 400, 400, 300, 300]);
  });

  it('has nothing to halve when no rate passed before the one that failed', async () => {
    const { ran, run } = scripted([false, false]);
    await climb([100, 200], run);
    expect(ran).toEqual([100, 100]);
  });

  it('neither stops nor retries below the rate failures count from', async () => {
    const { ran, run } = scripted([false, false, true, false, false]);
    await climb([1, 2, 3, 4], run, 3);
    expect(ran).toEqual([1, 2, 3, 4, 4, 3.5]);
  });
});

describe('descend', () => {
  it('runs the rates in order until one passes, and not again', async () => {
    const { ran, run } = scripted([false, false, true, true]);
    expect((await descend([1000, 500, 250, 125], run)).map((s) => [s.rate, s.ok])).toEqual([
      [1000, false],
      [500, false],
      [250, true],
    ]);
    expect(ran).toEqual([1000, 500, 250]);
  });

  it('runs every rate when none passes', async () => {
    const { ran, run } = scripted([false, false]);
    expect(await descend([2, 1], run)).toHaveLength(2);
    expect(ran).toEqual([2, 1]);
  });
});
