/**
 * Climbs a rate ladder: runs `rates` in order and stops after the first
 * rate that fails twice in a row. A failing step is run once more before
 * the ladder stops, for every server alike, so that one transient (a
 * checkpoint, a burst on a shared host) does not end one server's ladder
 * and not another's; both runs are kept, the retry right after the failure.
 * Rates below `failuresCountFrom` never stop the ladder and are not run
 * again (a ladder must reach the rate its per-CPU figure is read at).
 *
 * Where the ladder stops, the rate halfway between the highest rate that
 * passed and the one that failed is run last (with the same retry): a rung
 * is up to a third of the rate below it (400k, then 500k), and a limit read
 * off the rungs alone would understate the server by up to that much, more
 * for one server than for another. Halfway, every limit is known to within
 * half a rung.
 */
export async function climb<S extends { readonly ok: boolean }>(
  rates: readonly number[],
  run: (rate: number) => Promise<S>,
  failuresCountFrom = 0,
): Promise<S[]> {
  const steps: S[] = [];
  /** Runs `rate`, once more if it failed where failures count; answers whether its last run passed. */
  const attempt = async (rate: number): Promise<boolean> => {
    const step = await run(rate);
    steps.push(step);
    if (step.ok || rate < failuresCountFrom) return step.ok;
    const again = await run(rate);
    steps.push(again);
    return again.ok;
  };
  let highestPassed: number | undefined;
  for (const rate of rates) {
    if (await attempt(rate)) highestPassed = rate;
    else if (rate >= failuresCountFrom) {
      if (highestPassed !== undefined) await attempt((highestPassed + rate) / 2);
      break;
    }
  }
  return steps;
}

/** Runs `rates` in order until a step passes (a ladder down from a rate that failed); every step is kept. */
export async function descend<S extends { readonly ok: boolean }>(rates: readonly number[], run: (rate: number) => Promise<S>): Promise<S[]> {
  const steps: S[] = [];
  for (const rate of rates) {
    const step = await run(rate);
    steps.push(step);
    if (step.ok) break;
  }
  return steps;
}
