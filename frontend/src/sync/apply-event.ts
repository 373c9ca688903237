import type { EventFrame } from '@chatterlink/schema/protocol';
import type { MessageRow, Replica } from '../db/replica';

/** What the caller should fetch after an event the replica cannot complete by itself. */
export interface FollowUp {
  refreshRooms?: boolean;
  refreshMembers?: string;
}

/** Applies one event to the replica (inside the caller's transaction) and says what to fetch next. */
export type EventHandler = (db: Replica, frame: EventFrame, me: string) => Promise<FollowUp | void>;

const str = (data: Record<string, unknown>, key: string): string => {
  const value = data[key];
  return typeof value === 'string' ? value : '';
};

async function updateMessage(db: Replica, id: string, change: (m: MessageRow) => void): Promise<void> {
  const message = await db.messages.get(id);
  if (!message) return; // older than the fetched history: the next page brings its current state
  change(message);
  await db.messages.put(message);
}

const handlers: Record<string, EventHandler> = {
  async 'message.sent'(db, f, me) {
    const id = str(f.data, 'messageId');
    const existing = await db.messages.get(id);
    await db.messages.put({
      ...existing,
      id,
      roomId: f.room,
      position: f.position,
      authorId: f.actor ?? '',
      body: str(f.data, 'body'),
      at: f.at,
      reactions: existing?.reactions ?? [],
    });
    return noteNewItem(db, f, me, !existing);
  },
  async 'message.edited'(db, f) {
    await updateMessage(db, str(f.data, 'messageId'), (m) => {
      m.body = str(f.data, 'body');
      m.editedAt = f.at;
    });
  },
  async 'message.deleted'(db, f) {
    await updateMessage(db, str(f.data, 'messageId'), (m) => {
      m.body = null;
      m.deleted = true;
    });
  },
  async 'reaction.added'(db, f) {
    const emoji = str(f.data, 'emoji');
    const actor = f.actor ?? '';
    await updateMessage(db, str(f.data, 'messageId'), (m) => {
      const reaction = m.reactions.find((r) => r.emoji === emoji);
      if (!reaction) m.reactions.push({ emoji, users: [actor] });
      else if (!reaction.users.includes(actor)) reaction.users.push(actor);
    });
  },
  async 'receipt.read'(db, f, me) {
    if (f.actor !== me) return;
    await markRead(db, f.room, Number(f.data.position ?? f.position), me);
  },
  async 'room.joined'(db, f, me) {
    const userId = str(f.data, 'userId');
    if (userId === me) return { refreshRooms: true, refreshMembers: f.room };
    await db.members.put({ roomId: f.room, userId });
    if (!(await db.users.get(userId))) return { refreshMembers: f.room };
  },
  async 'room.left'(db, f, me) {
    const userId = str(f.data, 'userId');
    if (userId === me) {
      await forgetRoom(db, f.room);
      return { refreshRooms: true };
    }
    await db.members.delete([f.room, userId]);
  },
};

/** Moves a room's head to a new timeline item (message, upload) and counts it as unread if it is someone else's. */
export async function noteNewItem(db: Replica, f: EventFrame, me: string, isNew: boolean): Promise<FollowUp | void> {
  const room = await db.rooms.get(f.room);
  if (!room) return { refreshRooms: true };
  const unread = isNew && f.actor !== me && f.position > room.readPosition ? room.unread + 1 : room.unread;
  await db.rooms.update(f.room, { lastPosition: Math.max(room.lastPosition, f.position), unread });
}

/** Lets features (uploads, …) teach the replica new event types. */
export function registerEventHandler(type: string, handler: EventHandler): void {
  handlers[type] = handler;
}

/** Moves a room's read position forward and recounts what is left unread locally. */
export async function markRead(db: Replica, roomId: string, position: number, me: string): Promise<void> {
  const room = await db.rooms.get(roomId);
  if (!room || position <= room.readPosition) return;
  const unread = await db.messages
    .where('[roomId+position]')
    .between([roomId, position + 1], [roomId, Infinity])
    .filter((m) => m.authorId !== me && !m.deleted)
    .count();
  await db.rooms.update(roomId, { readPosition: position, unread });
}

/** Drops a room the user no longer belongs to, with everything cached about it. */
export async function forgetRoom(db: Replica, roomId: string): Promise<void> {
  await db.rooms.delete(roomId);
  await db.messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, Infinity]).delete();
  await db.members.where('roomId').equals(roomId).delete();
  await db.history.delete(roomId);
}

/**
 * Applies a durable event exactly once: events at or below the replica's last
 * position were applied before (e.g. in another tab) and are skipped.
 */
export async function applyEvent(db: Replica, frame: EventFrame, me: string): Promise<FollowUp> {
  return db.transaction('rw', [db.rooms, db.messages, db.members, db.users, db.history, db.meta], async () => {
    const last = await db.lastPosition();
    if (frame.position <= last) return {};
    const followUp = (await handlers[frame.event]?.(db, frame, me)) ?? {};
    await db.meta.put({ key: 'lastPosition', value: frame.position });
    return followUp;
  });
}
