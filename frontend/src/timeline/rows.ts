import type { MessageRow, OutboxRow } from '../db/replica';

/** A message as the timeline shows it: delivered, or still in the outbox. */
export interface TimelineMessage extends MessageRow {
  /** Set while the message waits in the outbox. */
  delivery?: { state: 'pending' | 'failed'; error?: string };
  /** Follows a message of the same author a few minutes earlier: shown without the header. */
  continued: boolean;
}

export type TimelineRow =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'message'; key: string; message: TimelineMessage };

/** Messages of one author closer than this are grouped under one header. */
const GROUP_WITHIN_MS = 5 * 60_000;

function dayLabel(at: Date, now: Date): string {
  const start = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((start(now) - start(at)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  return at.toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: at.getFullYear() === now.getFullYear() ? undefined : 'numeric' });
}

function pendingMessage(row: OutboxRow, me: string): MessageRow & Pick<TimelineMessage, 'delivery'> {
  return {
    id: row.id,
    roomId: row.roomId,
    position: Number.MAX_SAFE_INTEGER,
    authorId: me,
    body: row.body ?? '',
    at: row.createdAt,
    reactions: [],
    ...(row.kind === 'upload' ? { extra: { pendingUpload: { file: row.file, name: row.fileName } } } : {}),
    delivery: { state: row.state, ...(row.error ? { error: row.error } : {}) },
  };
}

/**
 * A delivered message as it will be once the user's queued edits, deletions
 * and reactions reach the server (shown at once, marked as sending).
 */
function withQueuedChanges(message: MessageRow, changes: OutboxRow[], me: string): MessageRow & Pick<TimelineMessage, 'delivery'> {
  if (changes.length === 0) return message;
  const next = { ...message, reactions: message.reactions.map((r) => ({ ...r, users: [...r.users] })) };
  for (const change of changes) {
    if (change.kind === 'edit') next.body = change.body ?? next.body;
    else if (change.kind === 'delete') Object.assign(next, { body: null, deleted: true });
    else if (change.kind === 'react') {
      const reaction = next.reactions.find((r) => r.emoji === change.emoji);
      if (!reaction) next.reactions.push({ emoji: change.emoji ?? '', users: [me] });
      else if (!reaction.users.includes(me)) reaction.users.push(me);
    }
  }
  return { ...next, delivery: { state: 'pending' } };
}

/**
 * The rows of a room's timeline, oldest first: delivered messages by
 * position (with the user's pending changes applied), then the user's queued
 * ones, with a separator at each new day.
 */
export function timelineRows(messages: MessageRow[], queued: OutboxRow[], me: string, now = new Date()): TimelineRow[] {
  const delivered = new Set(messages.map((m) => m.id));
  const changes = new Map<string, OutboxRow[]>();
  for (const q of queued) {
    if (q.state !== 'pending' || !q.messageId || !['edit', 'delete', 'react'].includes(q.kind)) continue;
    changes.set(q.messageId, [...(changes.get(q.messageId) ?? []), q]);
  }
  const all: (MessageRow & Pick<TimelineMessage, 'delivery'>)[] = [
    ...messages.map((m) => withQueuedChanges(m, changes.get(m.id) ?? [], me)),
    // An acknowledged message may still be in the outbox for a moment: show it once.
    ...queued.filter((q) => (q.kind === 'send' || q.kind === 'upload') && !delivered.has(q.id)).map((q) => pendingMessage(q, me)),
  ];
  const rows: TimelineRow[] = [];
  let day = '';
  let previous: MessageRow | undefined;
  for (const message of all) {
    const at = new Date(message.at);
    const thisDay = at.toDateString();
    if (thisDay !== day) {
      day = thisDay;
      rows.push({ kind: 'day', key: `day-${thisDay}`, label: dayLabel(at, now) });
      previous = undefined;
    }
    const continued =
      previous !== undefined &&
      previous.authorId === message.authorId &&
      !previous.deleted &&
      at.getTime() - new Date(previous.at).getTime() < GROUP_WITHIN_MS;
    rows.push({ kind: 'message', key: message.id, message: { ...message, continued } });
    previous = message;
  }
  return rows;
}

/**
 * The row to show for log `position`: the delivered message at that position
 * or the nearest one before it (the room "at that moment"); the first message
 * when all of them came later; -1 when there is no message.
 */
export function rowIndexAt(rows: readonly TimelineRow[], position: number): number {
  let found = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.kind !== 'message' || row.message.delivery) continue;
    if (row.message.position > position) return found >= 0 ? found : i;
    found = i;
  }
  return found;
}
