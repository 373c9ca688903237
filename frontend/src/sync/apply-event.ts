import type { EventFrame } from '@chatterlink/schema/protocol';
import type { MessageRow, Replica } from '../db/replica';
import { ReplicaBatch } from './replica-batch';

/** What the caller should fetch after an event the replica cannot complete by itself. */
export interface FollowUp {
  refreshRooms?: boolean;
  refreshMembers?: string;
}

/** What to fetch after a batch of events: the room list, and the members of these rooms. */
export interface BatchFollowUp {
  refreshRooms: boolean;
  refreshMembers: string[];
}

/**
 * Applies one event to the batch (inside its transaction) and says what to
 * fetch next. Synchronous when it only touches rows the batch loaded; an
 * asynchronous one must await only Dexie requests (see `ReplicaBatch`).
 */
export type EventHandler = (batch: ReplicaBatch, frame: EventFrame, me: string) => FollowUp | void | Promise<FollowUp | void>;

const str = (data: Record<string, unknown>, key: string): string => {
  const value = data[key];
  return typeof value === 'string' ? value : '';
};

function updateMessage(batch: ReplicaBatch, id: string, change: (m: MessageRow) => void): void {
  const message = batch.message(id);
  if (!message) return; // older than the fetched history: the next page brings its current state
  change(message);
  batch.putMessage(message);
}

const handlers: Record<string, EventHandler> = {
  'message.sent'(batch, f, me) {
    const id = str(f.data, 'messageId');
    const existing = batch.itemCreatedAt(id, f.position);
    batch.putMessage({
      ...existing,
      id,
      roomId: f.room,
      position: f.position,
      authorId: f.actor ?? '',
      body: str(f.data, 'body'),
      at: f.at,
      reactions: existing?.reactions ?? [],
    });
    return noteNewItem(batch, f, me, !existing);
  },
  'message.edited'(batch, f) {
    updateMessage(batch, str(f.data, 'messageId'), (m) => {
      m.body = str(f.data, 'body');
      m.editedAt = f.at;
    });
  },
  'message.deleted'(batch, f) {
    updateMessage(batch, str(f.data, 'messageId'), (m) => {
      m.body = null;
      m.deleted = true;
    });
  },
  'reaction.added'(batch, f) {
    const emoji = str(f.data, 'emoji');
    const actor = f.actor ?? '';
    updateMessage(batch, str(f.data, 'messageId'), (m) => {
      const reaction = m.reactions.find((r) => r.emoji === emoji);
      if (!reaction) m.reactions.push({ emoji, users: [actor] });
      else if (!reaction.users.includes(actor)) reaction.users.push(actor);
    });
  },
  'receipt.read'(batch, f, me) {
    if (f.actor === me) batch.markRead(f.room, Number(f.data.position ?? f.position), me);
  },
  'room.joined'(batch, f, me) {
    const userId = str(f.data, 'userId');
    if (userId === me) return { refreshRooms: true, refreshMembers: f.room };
    batch.putMember({ roomId: f.room, userId });
    if (!batch.user(userId)) return { refreshMembers: f.room };
  },
  async 'room.left'(batch, f, me) {
    const userId = str(f.data, 'userId');
    if (userId === me) {
      batch.forgetRoom(f.room);
      await forgetRoom(batch.db, f.room);
      return { refreshRooms: true };
    }
    batch.deleteMember(f.room, userId);
  },
};

/** Moves a room's head to a new timeline item (message, upload) and counts it as unread if it is someone else's. */
export function noteNewItem(batch: ReplicaBatch, f: EventFrame, me: string, isNew: boolean): FollowUp | void {
  const room = batch.room(f.room);
  if (!room) return { refreshRooms: true };
  const unread = isNew && f.actor !== me && f.position > room.readPosition ? room.unread + 1 : room.unread;
  batch.putRoom({ ...room, lastPosition: Math.max(room.lastPosition, f.position), unread });
}

/** Lets features (uploads, …) teach the replica new event types. */
export function registerEventHandler(type: string, handler: EventHandler): void {
  handlers[type] = handler;
}

/** Moves a room's read position forward; what is left unread is recounted locally as the batch is written. */
export async function markRead(batch: ReplicaBatch, roomId: string, position: number, me: string): Promise<void> {
  await batch.load({ rooms: [roomId] });
  batch.markRead(roomId, position, me);
}

/** Drops a room the user no longer belongs to, with everything cached about it. */
export async function forgetRoom(db: Replica, roomId: string): Promise<void> {
  db.roomEpochs.forgot(roomId);
  await db.rooms.delete(roomId);
  await db.messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, Infinity]).delete();
  await db.members.where('roomId').equals(roomId).delete();
  await db.history.delete(roomId);
}

/**
 * Runs `work` on a `ReplicaBatch` in one read-write transaction and writes
 * what it changed: readers (and `liveQuery`) see all of it or none of it.
 */
export function inBatch<T>(db: Replica, work: (batch: ReplicaBatch) => Promise<T>): Promise<T> {
  return db.transaction('rw', [db.rooms, db.messages, db.members, db.users, db.history, db.meta], async () => {
    const batch = new ReplicaBatch(db);
    const result = await work(batch);
    await batch.flush();
    return result;
  });
}

/** Ids of messages the events change but do not create: read up front, all at once. */
function referencedMessages(frames: readonly EventFrame[]): string[] {
  const created = new Set(frames.filter((f) => f.event === 'message.sent').map((f) => str(f.data, 'messageId')));
  const referenced = frames.filter((f) => f.event !== 'message.sent').map((f) => str(f.data, 'messageId'));
  return [...new Set(referenced)].filter((id) => id !== '' && !created.has(id));
}

/** Users who join rooms in these events: whether the replica knows them decides if the members are fetched. */
function joiningUsers(frames: readonly EventFrame[]): string[] {
  return [...new Set(frames.filter((f) => f.event === 'room.joined').map((f) => str(f.data, 'userId')))];
}

/**
 * Applies durable events, in the order given, in one transaction that also
 * stores the new `lastPosition`: a batch is applied whole or not at all, so
 * after a crash the next `hello` fetches it again. Each event is applied
 * exactly once: one at or below the replica's last position was applied
 * before (e.g. in another tab, or by an earlier connection) and is skipped.
 */
export function applyEvents(db: Replica, frames: readonly EventFrame[], me: string): Promise<BatchFollowUp> {
  return inBatch(db, async (batch) => {
    const followUp: BatchFollowUp = { refreshRooms: false, refreshMembers: [] };
    if (frames.length === 0) return followUp;
    // Read along with the last position, for every frame: the ones already applied (a repeat) are rare.
    const reads = { rooms: [...new Set(frames.map((f) => f.room))], messages: referencedMessages(frames), users: joiningUsers(frames) };
    const items = { from: Math.min(...frames.map((f) => f.position)), to: Math.max(...frames.map((f) => f.position)) };
    const [stored] = await Promise.all([db.lastPosition(), batch.load({ ...reads, items })]);
    const fresh: EventFrame[] = [];
    let last = stored;
    for (const frame of frames) {
      if (frame.position <= last) continue;
      fresh.push(frame);
      last = frame.position;
    }
    if (fresh.length === 0) return followUp;
    for (const frame of fresh) {
      const applied = handlers[frame.event]?.(batch, frame, me);
      // Only awaited when the handler was asynchronous (`instanceof Promise` fails: Dexie swaps the global inside transactions).
      const next = applied && 'then' in applied ? await applied : applied;
      if (next?.refreshRooms) followUp.refreshRooms = true;
      if (next?.refreshMembers && !followUp.refreshMembers.includes(next.refreshMembers)) followUp.refreshMembers.push(next.refreshMembers);
    }
    await Promise.all([db.meta.put({ key: 'lastPosition', value: last }), batch.flush()]);
    return followUp;
  });
}
