import type { EventFrame } from '@chatterlink/schema/protocol';
import { liveQuery } from 'dexie';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerErasureSync } from '../components/admin/erasure-sync';
import { registerUploadSync } from '../components/upload/sync';
import { Replica } from '../db/replica';
import { applyEvents, inBatch, markRead, registerEventHandler } from './apply-event';

const ROOM = 'room-1';
const ME = 'me';
const BOB = 'bob';

function event(position: number, type: string, actor: string, data: Record<string, unknown>): EventFrame {
  return { type: 'event', position, event: type, room: ROOM, actor, at: `2026-01-01T00:00:${String(position).padStart(2, '0')}.000Z`, data };
}
const sent = (position: number, messageId: string, actor = BOB, body = `body ${messageId}`) =>
  event(position, 'message.sent', actor, { messageId, roomId: ROOM, body });

describe('applyEvents', () => {
  let db: Replica;
  beforeEach(async () => {
    db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.put({ id: ROOM, name: 'general', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 });
    await db.meta.put({ key: 'lastPosition', value: 1 });
  });
  afterEach(() => db.delete());
  const apply = (...frames: EventFrame[]) => applyEvents(db, frames, ME);

  it('adds messages, counts those of others as unread and remembers the position', async () => {
    await apply(sent(2, 'm1'));
    await apply(sent(3, 'm2', ME));
    expect(await db.messages.toCollection().sortBy('position')).toMatchObject([
      { id: 'm1', position: 2, authorId: BOB, body: 'body m1', reactions: [] },
      { id: 'm2', position: 3, authorId: ME },
    ]);
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 1, lastPosition: 3 });
    expect(await db.lastPosition()).toBe(3);
  });

  it('applies each event once: a repeat (another tab, a re-sent catch-up) changes nothing', async () => {
    await apply(sent(2, 'm1'));
    await apply(event(3, 'reaction.added', BOB, { messageId: 'm1', emoji: '👍' }));
    await apply(sent(2, 'm1'));
    await apply(event(3, 'reaction.added', BOB, { messageId: 'm1', emoji: '👍' }));
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 1 });
    expect((await db.messages.get('m1'))?.reactions).toEqual([{ emoji: '👍', users: [BOB] }]);
  });

  it('keeps an acknowledged message (written from the ack) without counting it twice', async () => {
    await db.messages.put({ id: 'mine', roomId: ROOM, position: 2, authorId: ME, body: 'hi', at: 'local', reactions: [] });
    await apply(sent(2, 'mine', ME, 'hi'));
    expect(await db.messages.get('mine')).toMatchObject({ at: '2026-01-01T00:00:02.000Z', body: 'hi' });
    expect(await db.rooms.get(ROOM)).toMatchObject({ unread: 0 });
  });

  it('edits, deletes and gathers reactions by emoji', async () => {
    await apply(sent(2, 'm1'));
    await apply(event(3, 'message.edited', BOB, { messageId: 'm1', body: 'better' }));
    await apply(event(4, 'reaction.added', ME, { messageId: 'm1', emoji: '🎉' }));
    await apply(event(5, 'reaction.added', BOB, { messageId: 'm1', emoji: '🎉' }));
    expect(await db.messages.get('m1')).toMatchObject({ body: 'better', editedAt: '2026-01-01T00:00:03.000Z', reactions: [{ emoji: '🎉', users: [ME, BOB] }] });
    await apply(event(6, 'message.deleted', BOB, { messageId: 'm1' }));
    expect(await db.messages.get('m1')).toMatchObject({ body: null, deleted: true });
  });

  it("moves the user's read position on their own receipts and recounts unread", async () => {
    await apply(sent(2, 'm1'));
    await apply(sent(3, 'm2'));
    await apply(event(4, 'receipt.read', ME, { roomId: ROOM, position: 2 }));
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2, unread: 1 });
    await apply(event(5, 'receipt.read', BOB, { roomId: ROOM, position: 3 }));
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2, unread: 1 });
    await inBatch(db, (batch) => markRead(batch, ROOM, 1, ME)); // never backwards
    expect(await db.rooms.get(ROOM)).toMatchObject({ readPosition: 2 });
  });

  it('tracks membership and forgets a room the user left', async () => {
    expect(await apply(event(2, 'room.joined', BOB, { roomId: ROOM, userId: BOB }))).toEqual({ refreshRooms: false, refreshMembers: [ROOM] });
    expect(await db.members.where('roomId').equals(ROOM).toArray()).toEqual([{ roomId: ROOM, userId: BOB }]);
    await apply(sent(3, 'm1'));
    expect(await apply(event(4, 'room.left', ME, { roomId: ROOM, userId: ME }))).toEqual({ refreshRooms: true, refreshMembers: [] });
    expect(await db.rooms.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
    expect(await db.members.count()).toBe(0);
  });

  it("drops the room and its contents when someone else removed me from it (a room.left about me, by them)", async () => {
    await apply(sent(2, 'm1'));
    expect(await apply(event(3, 'room.left', BOB, { roomId: ROOM, userId: ME }))).toEqual({ refreshRooms: true, refreshMembers: [] });
    expect(await db.rooms.count()).toBe(0);
    expect(await db.messages.count()).toBe(0);
  });

  it('passes over event types it does not know, but still moves past them', async () => {
    expect(await apply(event(9, 'something.new', BOB, {}))).toEqual({ refreshRooms: false, refreshMembers: [] });
    expect(await db.lastPosition()).toBe(9);
  });
});

describe('applyEvents on a batch', () => {
  const ALICE = 'alice';
  const ROOM2 = 'room-2';
  const upload = { id: 'u1', name: 'cat.png', mime: 'image/png', size: 10, url: '/api/uploads/u1' };
  const in2 = (frame: EventFrame): EventFrame => ({ ...frame, room: ROOM2, data: { ...frame.data, roomId: ROOM2 } });
  /** A catch-up touching every kind of event, two rooms, rows stored before it (history, an ack) and repeats. */
  const catchUp: EventFrame[] = [
    sent(2, 'm1'),
    sent(3, 'm2', ALICE),
    event(4, 'reaction.added', ME, { messageId: 'm1', emoji: '👍' }),
    event(5, 'reaction.added', BOB, { messageId: 'old', emoji: '🎉' }),
    sent(6, 'acked', ME, 'mine'),
    event(7, 'message.edited', BOB, { messageId: 'm1', body: 'better' }),
    in2(sent(8, 'm3', ALICE)),
    event(9, 'receipt.read', ME, { roomId: ROOM, position: 6 }),
    sent(10, 'm4'),
    event(11, 'message.deleted', ALICE, { messageId: 'm2' }),
    event(12, 'reaction.added', BOB, { messageId: 'never-fetched', emoji: '👍' }),
    event(13, 'room.joined', 'carol', { roomId: ROOM, userId: 'carol' }),
    event(14, 'room.joined', BOB, { roomId: ROOM, userId: BOB }),
    event(15, 'file.uploaded', BOB, { uploadId: upload.id, roomId: ROOM, upload }),
    event(16, 'reaction.added', ME, { messageId: upload.id, emoji: '❤️' }),
    event(17, 'room.author_erased', BOB, { roomId: ROOM, userId: ALICE }),
    event(18, 'receipt.read', BOB, { roomId: ROOM, position: 18 }),
    in2(sent(19, 'm5', ALICE)),
    in2(event(20, 'room.left', ME, { roomId: ROOM2, userId: ME })),
    event(21, 'room.left', BOB, { roomId: ROOM, userId: BOB }),
    event(22, 'something.new', BOB, {}),
    sent(23, 'm6'),
    event(24, 'receipt.read', ME, { roomId: ROOM, position: 10 }),
    sent(10, 'm4'),
    event(23, 'reaction.added', BOB, { messageId: 'm6', emoji: '👍' }),
  ];

  async function replica(): Promise<Replica> {
    registerUploadSync();
    registerErasureSync();
    const db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.bulkPut([
      { id: ROOM, name: 'general', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 },
      { id: ROOM2, name: 'random', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 },
    ]);
    await db.users.put({ id: BOB, username: 'bob', online: false });
    await db.messages.bulkPut([
      { id: 'old', roomId: ROOM, position: 1, authorId: BOB, body: 'from a history page', at: 'then', reactions: [] },
      { id: 'acked', roomId: ROOM, position: 6, authorId: ME, body: 'mine', at: 'local', reactions: [] },
    ]);
    await db.meta.put({ key: 'lastPosition', value: 1 });
    return db;
  }
  const contents = async (db: Replica) => ({
    rooms: await db.rooms.toArray(),
    messages: await db.messages.toCollection().sortBy('position'),
    members: await db.members.toArray(),
    users: await db.users.toArray(),
    lastPosition: await db.lastPosition(),
  });
  const dbs: Replica[] = [];
  const fresh = async () => dbs[dbs.push(await replica()) - 1]!;
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((db) => db.delete()));
  });

  it('leaves the replica exactly as applying the events one at a time does', async () => {
    const oneByOne = await fresh();
    const followUps = [];
    for (const frame of catchUp) followUps.push(await applyEvents(oneByOne, [frame], ME));
    const whole = await fresh();
    const followUp = await applyEvents(whole, catchUp, ME);
    const inThrees = await fresh();
    for (let i = 0; i < catchUp.length; i += 3) await applyEvents(inThrees, catchUp.slice(i, i + 3), ME);

    const expected = await contents(oneByOne);
    expect(await contents(whole)).toEqual(expected);
    expect(await contents(inThrees)).toEqual(expected);
    expect(followUp).toEqual({ refreshRooms: true, refreshMembers: [ROOM] });
    expect(followUps.some((f) => f.refreshRooms)).toBe(true);

    expect(expected.lastPosition).toBe(24);
    expect(expected.rooms).toEqual([{ id: ROOM, name: 'general', kind: 'public', unread: 2, lastPosition: 23, readPosition: 10 }]);
    expect(expected.members).toEqual([{ roomId: ROOM, userId: 'carol' }]);
    expect(expected.messages).toMatchObject([
      { id: 'old', reactions: [{ emoji: '🎉', users: [BOB] }] },
      { id: 'm1', body: 'better', editedAt: '2026-01-01T00:00:07.000Z', reactions: [{ emoji: '👍', users: [ME] }] },
      { id: 'm2', body: null, deleted: true, extra: { erased: true } },
      { id: 'acked', body: 'mine', at: '2026-01-01T00:00:06.000Z' },
      { id: 'm4', body: 'body m4' },
      { id: 'u1', extra: { upload }, reactions: [{ emoji: '❤️', users: [ME] }] },
      { id: 'm6', reactions: [] },
    ]);
  });

  it('changes nothing when the same events come again (a reconnect, another tab)', async () => {
    const db = await fresh();
    await applyEvents(db, catchUp, ME);
    const before = await contents(db);
    expect(await applyEvents(db, catchUp, ME)).toEqual({ refreshRooms: false, refreshMembers: [] });
    expect(await contents(db)).toEqual(before);
  });

  it('stores all of a batch or none of it: a failure leaves the position where it was, to be fetched again', async () => {
    registerEventHandler('test.unappliable', () => Promise.reject(new Error('disk full')));
    const db = await fresh();
    const before = await contents(db);
    await expect(applyEvents(db, [sent(2, 'm1'), event(3, 'test.unappliable', BOB, {}), sent(4, 'm2')], ME)).rejects.toThrow('disk full');
    expect(await contents(db)).toEqual(before);
  });

  it('shows a live query one change per batch, not one per event', async () => {
    const db = await fresh();
    const seen: { messages: number; unread: number }[] = [];
    const subscription = liveQuery(async () => ({ messages: await db.messages.count(), unread: (await db.rooms.get(ROOM))?.unread ?? -1 })).subscribe((v) => seen.push(v));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await applyEvents(db, Array.from({ length: 500 }, (_, i) => sent(i + 2, `bulk-${i}`)), ME);
    await vi.waitFor(() => expect(seen.at(-1)).toEqual({ messages: 502, unread: 500 }));
    await new Promise((resolve) => setTimeout(resolve, 50)); // a late second notification would show up here
    subscription.unsubscribe();
    expect(seen).toEqual([
      { messages: 2, unread: 0 },
      { messages: 502, unread: 500 },
    ]);
  });
});
