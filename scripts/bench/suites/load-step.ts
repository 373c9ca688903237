import { Histogram, summarize, type LatencySummary } from '../lib/histogram';
import { cpuWindow } from '../lib/proc';
import type { LoadGenerator } from '../loadgen/controller';
import type { LoadPlan } from '../loadgen/messages';
import type { Target } from '../targets/target';

/** One open-loop step as reported: rates, latency from intended send time, CPU on both sides. */
export interface StepResult {
  /** Sends per second asked for, and the deliveries per second that implies. */
  readonly sendRate: number;
  readonly targetDeliveries: number;
  /** Deliveries per second actually received over the send window. */
  readonly deliveredPerSecond: number;
  readonly latency: LatencySummary;
  /** Intended send time → durable ack (ChatterLink). */
  readonly ack: LatencySummary | undefined;
  readonly missing: number;
  readonly errors: number;
  readonly lastError: string | undefined;
  /** Server CPU seconds (ChatterLink: node + its Postgres backends) and per core-second of wall time. */
  readonly serverCpuSeconds: number;
  readonly serverCpuShare: number;
  /** The database backends' part of `serverCpuShare` (ChatterLink's Postgres backends; 0 for the peers). */
  readonly databaseCpuShare: number;
  readonly deliveriesPerServerCpuSecond: number;
  /** Load-generator CPU share of its core: near 1 means the generator, not the server, may be the limit. */
  readonly loadgenCpuShare: number;
  readonly maxSendLagMs: number;
  /** p99 under the bound with nothing missing or refused. */
  readonly ok: boolean;
}

/** Runs one load phase and reads both processes' CPU around it. */
export async function runStep(target: Target, loadgen: LoadGenerator, plan: LoadPlan, p99BoundMs: number): Promise<StepResult> {
  const pids = await target.serverPids();
  const databasePids = pids.filter((pid) => pid !== target.pid);
  const used = cpuWindow(pids);
  const { load } = await loadgen.request({ cmd: 'load', plan });
  const serverCpu = used(pids);
  const databaseCpu = used(databasePids);
  const result = load!;
  const latency = summarize(Histogram.fromJSON(result.latency));
  const ack = result.ack.count > 0 ? summarize(Histogram.fromJSON(result.ack)) : undefined;
  return {
    sendRate: plan.rate,
    targetDeliveries: plan.rate * plan.fanout,
    deliveredPerSecond: Math.round(result.delivered / result.sendSeconds),
    latency,
    ack,
    missing: result.missing,
    errors: result.errors,
    lastError: result.lastError,
    serverCpuSeconds: round(serverCpu),
    serverCpuShare: round(serverCpu / result.wallSeconds),
    databaseCpuShare: round(databaseCpu / result.wallSeconds),
    deliveriesPerServerCpuSecond: serverCpu > 0 ? Math.round(result.delivered / serverCpu) : 0,
    loadgenCpuShare: round(result.cpuSeconds / result.wallSeconds),
    maxSendLagMs: result.maxSendLagMs,
    ok: latency.p99 < p99BoundMs && result.missing === 0 && result.errors === 0,
  };
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
