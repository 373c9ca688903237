import type { EventFrame } from '@chatterlink/schema/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replica } from '../../db/replica';
import { applyEvents } from '../../sync/apply-event';
import { registerErasureSync } from './erasure-sync';

const ROOM = 'room-1';

function frame(position: number, event: string, actor: string | null, data: Record<string, unknown>): EventFrame {
  return { type: 'event', position, event, room: ROOM, actor, at: '2026-01-01T00:00:00.000Z', data };
}

describe('room.author_erased in the replica', () => {
  let db: Replica;
  beforeEach(async () => {
    registerErasureSync();
    db = new Replica(`test-${crypto.randomUUID()}`);
    await db.rooms.put({ id: ROOM, name: 'general', kind: 'public', unread: 0, lastPosition: 1, readPosition: 1 });
    await db.meta.put({ key: 'lastPosition', value: 1 });
  });
  afterEach(() => db.delete());

  it("drops the erased person's cached bodies in that room and keeps everyone else's", async () => {
    await applyEvents(db, [frame(2, 'message.sent', 'alice', { messageId: 'm1', roomId: ROOM, body: 'alice wrote this' })], 'me');
    await applyEvents(db, [frame(3, 'message.sent', 'bob', { messageId: 'm2', roomId: ROOM, body: 'bob wrote this' })], 'me');
    await applyEvents(db, [frame(4, 'room.author_erased', null, { roomId: ROOM, userId: 'alice' })], 'me');
    expect(await db.messages.toCollection().sortBy('position')).toMatchObject([
      { id: 'm1', body: null, extra: { erased: true } },
      { id: 'm2', body: 'bob wrote this' },
    ]);
    expect(JSON.stringify(await db.messages.toArray())).not.toContain('alice wrote this');
  });
});
