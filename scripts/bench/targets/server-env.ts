import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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

/**
 * Node flags for every process confined to one core: the servers under test,
 * ChatterLink and the three peers alike, and the storage and crypto workers.
 * There V8's background GC threads can only take turns with the main thread:
 * a major collection stalled ChatterLink's event loop twice as long as one
 * done on the main thread alone (docs/benchmarks-analysis.md). A deployment
 * confined to one CPU is told the same (docs/deploy.md).
 * `BENCH_SERVER_FLAGS="…"` replaces them (empty: none), for an A/B.
 */
export const ONE_CORE_NODE_FLAGS: readonly string[] = parseNodeFlags(process.env.BENCH_SERVER_FLAGS);

/**
 * The Node flags ChatterLink ships with (backend/node-flags, which
 * scripts/serve passes), given to the peers too: they are settings of the
 * Node process, and an A/B of one stays like for like.
 */
export const SHIPPED_NODE_FLAGS: readonly string[] = readNodeFlagsFile(readFileSync(fileURLToPath(new URL('../../../backend/node-flags', import.meta.url)), 'utf8'));

/** Node flags for every server under test. */
export const SERVER_NODE_FLAGS: readonly string[] = [...SHIPPED_NODE_FLAGS, ...ONE_CORE_NODE_FLAGS];

/** The flags in `text`, split at spaces; `--single-threaded-gc` when unset, none when empty. */
export function parseNodeFlags(text: string | undefined): string[] {
  return (text ?? '--single-threaded-gc').split(/\s+/).filter(Boolean);
}

/** The flags of a node-flags file: words outside `#` comments, as scripts/serve reads them. */
export function readNodeFlagsFile(text: string): string[] {
  return text.split('\n').flatMap((line) => line.replace(/#.*/, '').split(/\s+/).filter(Boolean));
}

/** `SERVER_ENV` and `SERVER_NODE_FLAGS` as the report's method section states them. */
export function describeServerEnv(): string {
  const pairs = Object.entries(SERVER_ENV).map(([name, value]) => `\`${name}=${value}\``);
  const env = pairs.length > 0 ? `starts with ${pairs.join(', ')}` : 'starts with the runner’s environment only';
  const flags = SERVER_NODE_FLAGS.length > 0 ? `Node flags ${SERVER_NODE_FLAGS.map((flag) => `\`${flag}\``).join(' ')}` : 'no Node flags';
  return `${env} and ${flags}`;
}
