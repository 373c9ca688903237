import type { LoadGenerator } from '../loadgen/controller';
import type { Profile } from '../profile';
import { FANOUT_ROOM, latencyRoomOf, type Layout, type Target } from '../targets/target';
import { climb, descend } from './ladder';
import { runStep, type StepResult } from './load-step';

const P99_BOUND_MS = 50;
const BODY_BYTES = 200;
const FANOUT_SENDERS = 10;

/** Metric 1 for one target: the delivery-rate ladder in one room of every client. */
export interface FanOutResult {
  readonly subscribers: number;
  readonly steps: readonly StepResult[];
  /** Highest delivered rate whose step kept p99 under 50 ms with nothing lost (0 if none did). */
  readonly sustainedDeliveries: number;
  /** The step at `cpuAt` deliveries/s, for deliveries per server CPU-second. */
  readonly atCpuRate: StepResult | undefined;
}

/** Metric 2 for one target: the fixed-rate run and the send-rate ladder in rooms of `roomSize`. */
export interface LatencyResult {
  readonly rooms: number;
  readonly roomSize: number;
  readonly fixed: StepResult;
  readonly steps: readonly StepResult[];
  readonly sustainedSends: number;
}

export interface NetworkResult {
  readonly connectMs: number;
  readonly fanout: FanOutResult;
  readonly latency: LatencyResult;
}

/** Connects the layout's clients to `target`, then runs metrics 1 and 2; closes the sockets after. */
export async function runNetwork(target: Target, loadgen: LoadGenerator, profile: Profile, log: (line: string) => void): Promise<NetworkResult> {
  const layout: Layout = { clients: profile.clients, roomSize: profile.roomSize, socketsPerUser: profile.socketsPerUser };
  const clients = await target.clients(layout);
  const { ms: connectMs } = await loadgen.request({
    cmd: 'connect',
    endpoint: target.endpoint,
    clients,
    concurrency: 50,
    sourceAddresses: 8,
  });
  log(`  ${clients.length} clients connected in ${connectMs} ms`);
  try {
    const fanout = await fanOutLadder(target, loadgen, profile, layout, log);
    const latency = await latencyRuns(target, loadgen, profile, layout, log);
    return { connectMs: connectMs!, fanout, latency };
  } finally {
    await loadgen.request({ cmd: 'close' });
  }
}

async function fanOutLadder(target: Target, loadgen: LoadGenerator, profile: Profile, layout: Layout, log: (line: string) => void): Promise<FanOutResult> {
  const room = target.roomId(FANOUT_ROOM);
  const senders = Array.from({ length: FANOUT_SENDERS }, (_, i) => ({ client: i * Math.floor(layout.clients / FANOUT_SENDERS), room }));
  const plan = (deliveries: number, durationMs: number) => ({
    rate: deliveries / layout.clients,
    durationMs,
    senders,
    fanout: layout.clients,
    drainMs: profile.drainMs,
    bodyBytes: BODY_BYTES,
  });
  // Warm-up (JIT, pools) at the lowest rate, not reported.
  await runStep(target, loadgen, plan(profile.fanout.deliveriesPerSecond[0]!, 500), P99_BOUND_MS);
  const steps = await climb(
    profile.fanout.deliveriesPerSecond,
    async (deliveries) => {
      const step = await runStep(target, loadgen, plan(deliveries, profile.fanout.stepMs), P99_BOUND_MS);
      log(`  fan-out ${describe(step)}`);
      return step;
    },
    profile.fanout.cpuAt,
  );
  const passing = steps.filter((s) => s.ok);
  return {
    subscribers: layout.clients,
    steps,
    sustainedDeliveries: passing.length ? Math.max(...passing.map((s) => s.deliveredPerSecond)) : 0,
    atCpuRate: steps.find((s) => s.targetDeliveries === profile.fanout.cpuAt),
  };
}

async function latencyRuns(target: Target, loadgen: LoadGenerator, profile: Profile, layout: Layout, log: (line: string) => void): Promise<LatencyResult> {
  const senders = Array.from({ length: layout.clients }, (_, i) => ({ client: i, room: target.roomId(latencyRoomOf(i, layout)) }));
  const plan = (rate: number, durationMs: number) => ({ rate, durationMs, senders, fanout: layout.roomSize, drainMs: profile.drainMs, bodyBytes: BODY_BYTES });
  const fixed = await runStep(target, loadgen, plan(profile.latency.rate, profile.latency.durationMs), P99_BOUND_MS);
  log(`  latency ${describe(fixed)}`);
  const step = async (rate: number) => {
    const result = await runStep(target, loadgen, plan(rate, profile.latency.stepMs), P99_BOUND_MS);
    log(`  latency ladder ${describe(result)}`);
    return result;
  };
  // Up from the fixed rate while p99 holds; down from it, to the first rate that holds, when it did not.
  const steps = fixed.ok ? await climb(profile.latency.ladder, step) : await descend([2, 4, 8].map((d) => Math.round(profile.latency.rate / d)), step);
  const passing = [fixed, ...steps].filter((s) => s.ok);
  return {
    rooms: layout.clients / layout.roomSize,
    roomSize: layout.roomSize,
    fixed,
    steps,
    sustainedSends: passing.length ? Math.max(...passing.map((s) => s.sendRate)) : 0,
  };
}

function describe(s: StepResult): string {
  return (
    `${s.sendRate} sends/s → ${s.deliveredPerSecond} deliveries/s: p50 ${s.latency.p50} p99 ${s.latency.p99} p99.9 ${s.latency.p999} ms, ` +
    `missing ${s.missing}, errors ${s.errors}, server CPU ${s.serverCpuShare}` +
    (s.databaseCpuShare > 0 ? ` (database ${s.databaseCpuShare})` : '') +
    `, loadgen CPU ${s.loadgenCpuShare}${s.ok ? '' : ' ✗'}` +
    (s.lastError ? ` (${s.lastError.slice(0, 120)})` : '')
  );
}
