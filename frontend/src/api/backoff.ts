/** Reconnect delays: exponential from `base` up to `max`, with full jitter in the upper half so clients spread out. */
export function backoffDelay(attempt: number, random: number, base = 500, max = 30_000): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
