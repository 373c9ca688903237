import type { EventFrame } from '@chatterlink/schema/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replica } from '../db/replica';
import { applyEvent, markRead } from './apply-event';

const ROOM = 'room-1';
const ME = 'me';
const BOB = 'bob';

function event(position: number, type: string, actor: string, data: Record<string, unknown>): EventFrame {
  return { type: 'event', position, event: type, room: ROOM, actor, at: `2026-01-01T00:00:${String(position).padStart(2, '0')}.000Z`, data };
}
const sent = (position: number, messageId: string, actor = BOB, body = `body ${messageId}`) =>
  event(position, 'message.sent', actor, { messageId, roomId: ROOM, body });

describe('applyEvent', () => {
  let db: Replica;
  beforeEach(async () => {
    db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.put({ id: ROOM, name: 'general', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 });
    await db.meta.put({ key: 'lastPosition', value: 1 });
  });
  afterEach(() => db.delete());

  it('adds messages, counts those of others as unread and remembers the position', async () => {
    await applyEvent(db, sent(2, 'm1'), ME);
    await applyEvent(db, sent(3, 'm2', ME), ME);
    expect(await db.messages.orderBy('position').toArray()).toMatchObject([
      { id: 'm1', position: 2, authorId: BOB, body: 'body m1', reactions: [] },
      { id: 'm2', position: 3, authorId: ME },
    ]);
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 1, lastPosition: 3 });
    expect(await db.lastPosition()).toBe(3);
  });

  it('applies each event once: a repeat (another tab, a re-sent catch-up) changes nothing', async () => {
    await applyEvent(db, sent(2, 'm1'), ME);
    await applyEvent(db, event(3, 'reaction.added', BOB, { messageId: 'm1', emoji: '👍' }), ME);
    await applyEvent(db, sent(2, 'm1'), ME);
    await applyEvent(db, event(3, 'reaction.added', BOB, { messageId: 'm1', emoji: '👍' }), ME);
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 1 });
    expect((await db.messages.get('m1'))?.reactions).toEqual([{ emoji: '👍', users: [BOB] }]);
  });

  it('keeps an acknowledged message (written from the ack) without counting it twice', async () => {
    await db.messages.put({ id: 'mine', roomId: ROOM, position: 2, authorId: ME, body: 'hi', at: 'local', reactions: [] });
    await applyEvent(db, sent(2, 'mine', ME, 'hi'), ME);
    expect(await db.messages.get('mine')).toMatchObject({ at: '2026-01-01T00:00:02.000Z', body: 'hi' });
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 0 });
  });

  it('edits, deletes and gathers reactions by emoji', async () => {
    await applyEvent(db, sent(2, 'm1'), ME);
    await applyEvent(db, event(3, 'message.edited', BOB, { messageId: 'm1', body: 'better' }), ME);
    await applyEvent(db, event(4, 'reaction.added', ME, { messageId: 'm1', emoji: '🎉' }), ME);
    await applyEvent(db, event(5, 'reaction.added', BOB, { messageId: 'm1', emoji: '🎉' }), ME);
    expect(await db.messages.get('m1')).toMatchObject({ body: 'better', editedAt: '2026-01-01T00:00:03.000Z', reactions: [{ emoji: '🎉', users: [ME, BOB] }] });
    await applyEvent(db, event(6, 'message.deleted', BOB, { messageId: 'm1' }), ME);
    expect(await db.messages.get('m1')).toMatchObject({ body: null, deleted: true });
  });

  it("moves the user's read position on their own receipts and recounts unread", async () => {
    await applyEvent(db, sent(2, 'm1'), ME);
    await applyEvent(db, sent(3, 'm2'), ME);
    await applyEvent(db, event(4, 'receipt.read', ME, { roomId: ROOM, position: 2 }), ME);
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2, unread: 1 });
    await applyEvent(db, event(5, 'receipt.read', BOB, { roomId: ROOM, position: 3 }), ME);
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2, unread: 1 });
    await markRead(db, ROOM, 1, ME); // never backwards
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2 });
  });

  it('tracks membership and forgets a room the user left', async () => {
    expect(await applyEvent(db, event(2, 'room.joined', BOB, { roomId: ROOM, userId: BOB }), ME)).toEqual({ refreshMembers: ROOM });
    expect(await db.members.where('roomId').equals(ROOM).toArray()).toEqual([{ roomId: ROOM, userId: BOB }]);
    await applyEvent(db, sent(3, 'm1'), ME);
    expect(await applyEvent(db, event(4, 'room.left', ME, { roomId: ROOM, userId: ME }), ME)).toEqual({ refreshRooms: true });
    expect(await db.rooms.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
    expect(await db.members.count()).toBe(0);
  });

  it("drops the room and its contents when someone else removed me from it (a room.left about me, by them)", async () => {
    await applyEvent(db, sent(2, 'm1'), ME);
    expect(await applyEvent(db, event(3, 'room.left', BOB, { roomId: ROOM, userId: ME }), ME)).toEqual({ refreshRooms: true });
    expect(await db.rooms.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
  });

  it('passes over event types it does not know, but still moves past them', async () => {
    expect(await applyEvent(db, event(9, 'something.new', BOB, {}), ME)).toEqual({});
    expect(await db.lastPosition()).toBe(9);
  });
});
