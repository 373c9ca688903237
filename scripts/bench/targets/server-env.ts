/**
 * Extra environment for every server under test, ChatterLink and the three
 * peers alike, so an A/B of a process setting stays like for like:
 * `BENCH_SERVER_ENV="NAME=value …"` (e.g. `MALLOC_ARENA_MAX=2`). Unset, the
 * servers start with the runner's environment only, as ChatterLink is deployed.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = parseServerEnv(process.env.BENCH_SERVER_ENV ?? '');

/** `NAME=value` pairs separated by spaces; anything else is refused with the pair it could not read. */
export function parseServerEnv(text: string): Record<string, string> {
  const entries = text.split(/\s+/).filter(Boolean).map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_SERVER_ENV: expected NAME=value, got "${pair}"`);
    return [pair.slice(0, at), pair.slice(at + 1)] as const;
  });
  return Object.fromEntries(entries);
}

/** `SERVER_ENV` as the report's method section states it. */
export function describeServerEnv(): string {
  const pairs = Object.entries(SERVER_ENV).map(([name, value]) => `\`${name}=${value}\``);
  return pairs.length > 0 ? `starts with ${pairs.join(', ')}` : 'starts with the runner’s environment only';
}
