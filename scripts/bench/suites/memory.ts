import { rssBytes, sleep } from '../lib/proc';
import type { LoadGenerator } from '../loadgen/controller';
import type { Target } from '../targets/target';

/** Metric 5 for one target: RSS growth of a fresh server process per idle, subscribed connection. */
export interface MemoryResult {
  readonly connections: number;
  readonly rssBeforeMiB: number;
  /** The lowest RSS within 8 s after the last connection opened. */
  readonly rssAfterMiB: number;
  readonly bytesPerConnection: number;
  readonly connectMs: number;
}

const SETTLE_MS = 2000;
const SAMPLE_FOR_MS = 6000;

/**
 * The lowest RSS over a few seconds after the connections opened, so that
 * garbage the handshakes left (ChatterLink's catch-up reads, say) and the
 * server collects meanwhile does not count. V8 often keeps it longer than
 * that (benchmarks-analysis.md, "Memory per idle connection").
 */
async function settledRss(pid: number): Promise<number> {
  await sleep(SETTLE_MS);
  let lowest = rssBytes(pid);
  for (let waited = 0; waited < SAMPLE_FOR_MS; waited += 500) {
    await sleep(500);
    lowest = Math.min(lowest, rssBytes(pid));
  }
  return lowest;
}

/** Opens `n` idle sockets (authenticated and past `hello` for ChatterLink, joined to a room for peers). */
export async function runMemory(target: Target, loadgen: LoadGenerator, n: number): Promise<MemoryResult> {
  const clients = await target.idleClients(n);
  await sleep(SETTLE_MS);
  const before = rssBytes(target.pid);
  const { ms } = await loadgen.request({ cmd: 'connect', endpoint: target.endpoint, clients, concurrency: 100, sourceAddresses: 16 });
  const after = await settledRss(target.pid);
  await loadgen.request({ cmd: 'close' });
  const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return { connections: n, rssBeforeMiB: mib(before), rssAfterMiB: mib(after), bytesPerConnection: Math.round((after - before) / n), connectMs: ms! };
}
