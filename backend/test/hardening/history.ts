/** Where one client operation ended: `unknown` when the connection or server died before an answer. */
export type OpStatus = 'invoked' | 'ok' | 'failed' | 'unknown';

/** One client operation: sending message `id` (its command id) with `body` to `room`. */
export interface Op {
  readonly id: string;
  readonly client: number;
  readonly room: string;
  status: OpStatus;
  /** The position the ack named (status `ok`). */
  position?: number;
  attempts: number;
}

/** A `message.sent` as the log holds it or as a subscriber received it. */
export interface Entry {
  readonly messageId: string;
  readonly room: string;
  readonly position: number;
}

/** What one subscriber received, in arrival order (across its reconnections). */
export interface Observed {
  readonly name: string;
  readonly entries: readonly Entry[];
}

/** The Jepsen-style record of every operation the clients invoked. */
export class History {
  readonly ops = new Map<string, Op>();

  invoke(id: string, client: number, room: string): Op {
    const op: Op = { id, client, room, status: 'invoked', attempts: 0 };
    this.ops.set(id, op);
    return op;
  }

  /** Operations by final status, and how many needed more than one attempt. */
  counts(): Record<OpStatus | 'retried', number> {
    const counts: Record<OpStatus | 'retried', number> = { invoked: 0, ok: 0, failed: 0, unknown: 0, retried: 0 };
    for (const op of this.ops.values()) {
      counts[op.status]++;
      if (op.attempts > 1) counts.retried++;
    }
    return counts;
  }
}

/** Every violation found; a correct run has all lists empty. */
export interface Verdict {
  readonly operationsChecked: number;
  /** Acknowledged, but missing from the log or from a subscriber's stream. */
  readonly lost: string[];
  /** Present more than once in the log or in a subscriber's stream. */
  readonly duplicates: string[];
  /** In the log or a stream, but never invoked, or refused definitively. */
  readonly phantoms: string[];
  /** Acknowledged at a position other than the one the log holds it at. */
  readonly wrongPosition: string[];
  /** A subscriber whose order of a room differs from the log's, or not increasing by position. */
  readonly misordered: string[];
}

function duplicatesIn(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

/**
 * Checks a history against the log and what every subscriber received:
 * every acknowledged message is in the log exactly once at its acknowledged
 * position and reached every subscriber exactly once; nothing appears that
 * was never sent (or was refused); every subscriber saw each room's messages
 * in the log's order.
 */
export function checkHistory(history: History, log: readonly Entry[], subscribers: readonly Observed[]): Verdict {
  const verdict: Verdict = { operationsChecked: history.ops.size, lost: [], duplicates: [], phantoms: [], wrongPosition: [], misordered: [] };
  const inLog = new Map(log.map((e) => [e.messageId, e]));
  verdict.duplicates.push(...duplicatesIn(log.map((e) => e.messageId)));
  for (const entry of log) {
    const op = history.ops.get(entry.messageId);
    if (!op || op.status === 'failed') verdict.phantoms.push(entry.messageId);
  }
  for (const op of history.ops.values()) {
    if (op.status !== 'ok') continue;
    const entry = inLog.get(op.id);
    if (!entry) verdict.lost.push(op.id);
    else if (entry.position !== op.position) verdict.wrongPosition.push(op.id);
  }
  const logOrder = (room: string) => log.filter((e) => e.room === room).map((e) => e.messageId);
  const rooms = new Set(log.map((e) => e.room));
  for (const subscriber of subscribers) {
    const ids = subscriber.entries.map((e) => e.messageId);
    verdict.duplicates.push(...duplicatesIn(ids).map((id) => `${subscriber.name}:${id}`));
    const received = new Set(ids);
    for (const op of history.ops.values()) if (op.status === 'ok' && !received.has(op.id)) verdict.lost.push(`${subscriber.name}:${op.id}`);
    for (const id of received) if (!inLog.has(id)) verdict.phantoms.push(`${subscriber.name}:${id}`);
    if (subscriber.entries.some((e, i) => i > 0 && e.position <= subscriber.entries[i - 1]!.position)) {
      verdict.misordered.push(`${subscriber.name}: positions not increasing`);
    }
    for (const room of rooms) {
      const seen = subscriber.entries.filter((e) => e.room === room).map((e) => e.messageId);
      if (seen.join() !== logOrder(room).join()) verdict.misordered.push(`${subscriber.name}: room ${room}`);
    }
  }
  return verdict;
}
