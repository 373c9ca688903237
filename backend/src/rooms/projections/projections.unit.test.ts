import { describe, expect, it } from 'vitest';
import type { ProjectionRow } from '../../db/types';
import type { ChatEvent, RecordedChatEvent } from '../../events';
import { foldInto } from '../../projections/projection';
import { membershipId, membershipsProjection } from './memberships';
import { roomsProjection } from './rooms';

const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const roomId = '22222222-2222-4222-8222-222222222222';
const otherRoom = '66666666-6666-4666-8666-666666666666';
const messageId = '44444444-4444-4444-8444-444444444444';

const at = (position: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, position));

function recorded(event: ChatEvent, position: number, actor: string | null = alice): RecordedChatEvent {
  const room = 'roomId' in event.data ? event.data.roomId : roomId;
  return { ...event, position, stream: `room-${room}`, version: position, actor, occurredAt: at(position), metadata: {} };
}

const created = (position: number, actor: string | null = alice, room = roomId) =>
  recorded({ type: 'room.created', data: { roomId: room, name: 'random', kind: 'public' } }, position, actor);
const joined = (userId: string, position: number, room = roomId) =>
  recorded({ type: 'room.joined', data: { roomId: room, userId } }, position, userId);
const left = (userId: string, position: number) => recorded({ type: 'room.left', data: { roomId, userId } }, position, userId);
const sent = (actor: string | null, position: number, room = roomId) =>
  recorded({ type: 'message.sent', data: { messageId, roomId: room, body: 'hi' } }, position, actor);
const read = (actor: string | null, upTo: number, position: number) =>
  recorded({ type: 'receipt.read', data: { roomId, position: upTo } }, position, actor);
const edited = (position: number) => recorded({ type: 'message.edited', data: { messageId, roomId, body: 'x' } }, position);
const reacted = (position: number) => recorded({ type: 'reaction.added', data: { messageId, roomId, emoji: '👍' } }, position);
const typing = (position: number) => recorded({ type: 'user.typing', data: { roomId } }, position);
const registered = recorded(
  { type: 'user.registered', data: { userId: alice, username: 'alice', passwordHash: 'h', isAdmin: false } },
  1,
  null,
);

describe('roomsProjection', () => {
  it('keys room.created and message.sent by room id, nothing else', () => {
    expect(roomsProjection.keys(created(1))).toEqual([roomId]);
    expect(roomsProjection.keys(sent(alice, 2))).toEqual([roomId]);
    for (const event of [joined(alice, 3), left(alice, 4), read(alice, 2, 5), edited(6), reacted(7), typing(8), registered]) {
      expect(roomsProjection.keys(event)).toEqual([]);
    }
  });

  it('creates the room row from room.created', () => {
    expect(roomsProjection.evolve(undefined, created(3), roomId)).toEqual({
      id: roomId,
      name: 'random',
      kind: 'public',
      created_by: alice,
      created_at: at(3),
      last_position: 3,
    });
    expect(roomsProjection.evolve(undefined, created(3, null), roomId)!.created_by).toBeNull();
  });

  it('moves last_position on message.sent without mutating the row', () => {
    const row = roomsProjection.evolve(undefined, created(3), roomId)!;
    const next = roomsProjection.evolve(row, sent(bob, 10), roomId)!;
    expect(next).not.toBe(row);
    expect(next).toEqual({ ...row, last_position: 10 });
    expect(row.last_position).toBe(3);
  });

  it('does not create a room from a message to an unknown room', () => {
    expect(roomsProjection.evolve(undefined, sent(alice, 10), roomId)).toBeUndefined();
  });

  it('returns the same row for events that change nothing', () => {
    const row = roomsProjection.evolve(undefined, created(3), roomId)!;
    for (const event of [joined(bob, 4), edited(5), read(alice, 3, 6), typing(7)]) {
      expect(roomsProjection.evolve(row, event, roomId)).toBe(row);
    }
  });

  it('folds rooms and their latest message position', () => {
    const state = new Map<string, ProjectionRow<'rooms'>>();
    foldInto(roomsProjection, state, [
      created(1),
      joined(alice, 2),
      created(3, bob, otherRoom),
      sent(alice, 4),
      sent(bob, 5, otherRoom),
      sent(bob, 6),
      edited(7),
    ]);
    expect(state.get(roomId)!.last_position).toBe(6);
    expect(state.get(otherRoom)).toMatchObject({ created_by: bob, last_position: 5 });
  });
});

describe('membershipsProjection', () => {
  const id = membershipId(roomId, alice);

  it('keys joins and leaves by the member, reads and messages by the actor', () => {
    expect(membershipId(roomId, alice)).toBe(`${roomId}:${alice}`);
    expect(membershipsProjection.keys(joined(bob, 1))).toEqual([membershipId(roomId, bob)]);
    expect(membershipsProjection.keys(left(bob, 2))).toEqual([membershipId(roomId, bob)]);
    expect(membershipsProjection.keys(sent(alice, 3))).toEqual([id]);
    expect(membershipsProjection.keys(read(alice, 3, 4))).toEqual([id]);
    expect(membershipsProjection.keys(typing(5))).toEqual([id]);
  });

  it('has no keys for system-made messages or receipts, or unrelated events', () => {
    expect(membershipsProjection.keys(sent(null, 3))).toEqual([]);
    expect(membershipsProjection.keys(read(null, 3, 4))).toEqual([]);
    expect(membershipsProjection.keys(recorded({ type: 'user.typing', data: { roomId } }, 7, null))).toEqual([]);
    for (const event of [created(1), edited(5), reacted(6), registered]) {
      expect(membershipsProjection.keys(event)).toEqual([]);
    }
  });

  it('counts history before the join as read', () => {
    expect(membershipsProjection.evolve(undefined, joined(alice, 7), id)).toEqual({
      id,
      room_id: roomId,
      user_id: alice,
      joined_at: at(7),
      last_read_position: 7,
      last_typing_at: null,
    });
  });

  it('remembers when the member last typed, for the cross-node typing throttle', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    expect(membershipsProjection.evolve(row, typing(8), id)).toEqual({ ...row, last_typing_at: at(8) });
    expect(membershipsProjection.evolve(undefined, typing(8), id)).toBeUndefined();
  });

  it('keeps the existing row when a member joins again', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    expect(membershipsProjection.evolve(row, joined(alice, 20), id)).toBe(row);
  });

  it('advances last_read_position when the member sends a message', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    const next = membershipsProjection.evolve(row, sent(alice, 12), id)!;
    expect(next.last_read_position).toBe(12);
    expect(row.last_read_position).toBe(7);
  });

  it('keeps every other field as the read marker and the typing time move in turn', () => {
    const typed = membershipsProjection.evolve(membershipsProjection.evolve(undefined, joined(alice, 7), id), typing(8), id)!;
    const sentAfter = membershipsProjection.evolve(typed, sent(alice, 12), id)!;
    expect(sentAfter).toEqual({ ...typed, last_read_position: 12 });
    expect(membershipsProjection.evolve(sentAfter, typing(13), id)).toEqual({ ...sentAfter, last_typing_at: at(13) });
  });

  it('moves forward on receipt.read but never backwards', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    const forward = membershipsProjection.evolve(row, read(alice, 15, 16), id)!;
    expect(forward.last_read_position).toBe(15);
    expect(row.last_read_position).toBe(7);
    const backward = membershipsProjection.evolve(forward, read(alice, 9, 17), id)!;
    expect(backward.last_read_position).toBe(15);
    expect(backward).toEqual(forward);
  });

  it('deletes the row when the member leaves', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    expect(membershipsProjection.evolve(row, left(alice, 8), id)).toBeUndefined();
    expect(row.user_id).toBe(alice);
  });

  it('ignores messages and receipts of non-members', () => {
    expect(membershipsProjection.evolve(undefined, sent(alice, 3), id)).toBeUndefined();
    expect(membershipsProjection.evolve(undefined, read(alice, 3, 4), id)).toBeUndefined();
  });

  it('returns the same row for unrelated events', () => {
    const row = membershipsProjection.evolve(undefined, joined(alice, 7), id)!;
    for (const event of [created(1), edited(8), reacted(9)]) {
      expect(membershipsProjection.evolve(row, event, id)).toBe(row);
    }
  });

  it('folds a membership through join, reads, leave and rejoin', () => {
    const state = new Map<string, ProjectionRow<'memberships'>>();
    const changed = new Map<string, boolean>();
    foldInto(
      membershipsProjection,
      state,
      [created(1), joined(alice, 2), joined(bob, 3), sent(bob, 4), sent(alice, 5), read(bob, 5, 6), read(bob, 2, 7), left(alice, 8)],
      changed,
    );
    expect(state.has(id)).toBe(false);
    expect(changed.has(id)).toBe(true);
    expect(state.get(membershipId(roomId, bob))!.last_read_position).toBe(5);

    // Made and gone within one fold: it did not exist before it.
    expect(changed.get(id)).toBe(false);

    const again = new Map<string, boolean>();
    foldInto(membershipsProjection, state, [sent(bob, 9), joined(alice, 10)], again);
    expect(state.get(id)).toMatchObject({ joined_at: at(10), last_read_position: 10 });
    expect(again).toEqual(
      new Map([
        [membershipId(roomId, bob), true],
        [id, false],
      ]),
    );
    expect(state.get(membershipId(roomId, bob))!.last_read_position).toBe(9);
  });
});

describe('memberships return the same row when the read marker would not move (regression)', () => {
  it('keeps the row object for stale receipts and for messages before the marker', () => {
    const id = membershipId(roomId, alice);
    const row = membershipsProjection.evolve(undefined, joined(alice, 10), id)!;
    const stale = recorded({ type: 'receipt.read', data: { roomId, position: 5 } }, 11, alice);
    expect(membershipsProjection.evolve(row, stale, id)).toBe(row);
    const moved = recorded({ type: 'receipt.read', data: { roomId, position: 12 } }, 13, alice);
    expect(membershipsProjection.evolve(row, moved, id)).toEqual({ ...row, last_read_position: 12 });
  });
});
