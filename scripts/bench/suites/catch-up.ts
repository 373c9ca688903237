import { sleep } from '../lib/proc';
import type { LoadGenerator } from '../loadgen/controller';
import type { ChatterLinkTarget } from '../targets/chatterlink';
import { latencyRoomOf, type Layout } from '../targets/target';

/** Metric 6: a client back after `missed` events, and an outbox of `outbox` messages flushed on reconnect. */
export interface CatchUpResult {
  readonly missed: number;
  /** Connect, authenticate, `hello`, every missed event received, `ready`. */
  readonly catchUpMs: number;
  readonly eventsReceived: number;
  readonly outbox: number;
  /** First queued send written → last ack received (on an open socket). */
  readonly outboxAckMs: number;
  readonly outboxErrors: number;
  /** How fast the missed events were written (a burst of sends from one socket). */
  readonly writeMs: number;
}

/**
 * The log head once appends have stopped: sends an overloaded earlier phase
 * left queued in the server are still being written after its sockets closed.
 */
async function quietHead(target: ChatterLinkTarget): Promise<number> {
  let last = -1;
  for (let i = 0; i < 240; i++) {
    const head = await target.deployment.head();
    if (head === last) return head;
    last = head;
    await sleep(500);
  }
  return last;
}

/** Runs on ChatterLink only: the peers have no log to catch up from. */
export async function runCatchUp(target: ChatterLinkTarget, loadgen: LoadGenerator, layout: Layout, missed: number, outbox: number): Promise<CatchUpResult> {
  const { deployment } = target;
  const room = target.roomId(latencyRoomOf(0, layout));
  const since = await quietHead(target);
  // Another device of user 0 writes what the offline one misses.
  await loadgen.request({ cmd: 'connect', endpoint: target.endpoint, clients: [deployment.clientOf(0, since)], concurrency: 1, sourceAddresses: 1 });
  try {
    const written = await loadgen.request({ cmd: 'burst', client: 0, room, count: missed, bodyBytes: 200 });
    if (written.burst!.acked !== missed) throw new Error(`only ${written.burst!.acked} of ${missed} sends were acked: ${written.burst!.lastError}`);
    const back = await loadgen.request({ cmd: 'resume', endpoint: target.endpoint, client: deployment.clientOf(0, since) });
    const flushed = await loadgen.request({ cmd: 'burst', client: 0, room, count: outbox, bodyBytes: 200 });
    return {
      missed,
      catchUpMs: back.resume!.ms,
      eventsReceived: back.resume!.events,
      outbox,
      outboxAckMs: flushed.burst!.ms,
      outboxErrors: flushed.burst!.errors,
      writeMs: written.burst!.ms,
    };
  } finally {
    await loadgen.request({ cmd: 'close' });
  }
}
