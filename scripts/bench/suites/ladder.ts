/**
 * Climbs a rate ladder: runs `rates` in order and stops after the first
 * rate that fails twice in a row. A failing step is run once more before
 * the ladder stops, for every server alike, so that one transient (a
 * checkpoint, a burst on a shared host) does not end one server's ladder
 * and not another's; both runs are kept, the retry right after the failure.
 * Rates below `failuresCountFrom` never stop the ladder and are not run
 * again (a ladder must reach the rate its per-CPU figure is read at).
 */
export async function climb<S extends { readonly ok: boolean }>(
  rates: readonly number[],
  run: (rate: number) => Promise<S>,
  failuresCountFrom = 0,
): Promise<S[]> {
  const steps: S[] = [];
  for (const rate of rates) {
    const step = await run(rate);
    steps.push(step);
    if (step.ok || rate < failuresCountFrom) continue;
    const again = await run(rate);
    steps.push(again);
    if (!again.ok) break;
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
