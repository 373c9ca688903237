import { describe, expect, it } from 'vitest';
import type { ProjectionRow } from '../../db/types';
import type { ChatEvent, RecordedChatEvent } from '../../events';
import { foldInto } from '../../projections/projection';
import { messagesProjection } from './messages';
import { reactionId, reactionsProjection } from './reactions';

const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const roomId = '22222222-2222-4222-8222-222222222222';
const m1 = '44444444-4444-4444-8444-444444444444';
const m2 = '77777777-7777-4777-8777-777777777777';

const at = (position: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, position));

function recorded(event: ChatEvent, position: number, actor: string | null = alice): RecordedChatEvent {
  return { ...event, position, stream: `room-${roomId}`, version: position, actor, occurredAt: at(position), metadata: {} };
}

const sent = (messageId: string, position: number, actor: string | null = alice) =>
  recorded({ type: 'message.sent', data: { messageId, roomId, body: 'hello' } }, position, actor);
const edited = (messageId: string, position: number) =>
  recorded({ type: 'message.edited', data: { messageId, roomId, body: 'edited' } }, position);
const deleted = (messageId: string, position: number) => recorded({ type: 'message.deleted', data: { messageId, roomId } }, position);
const reacted = (messageId: string, emoji: string, position: number, actor: string | null = alice) =>
  recorded({ type: 'reaction.added', data: { messageId, roomId, emoji } }, position, actor);
const others = [
  recorded({ type: 'room.joined', data: { roomId, userId: alice } }, 90),
  recorded({ type: 'receipt.read', data: { roomId, position: 3 } }, 91),
  recorded({ type: 'user.typing', data: { roomId } }, 92),
];

describe('messagesProjection', () => {
  it('keys message events by message id, nothing else', () => {
    expect(messagesProjection.keys(sent(m1, 1))).toEqual([m1]);
    expect(messagesProjection.keys(edited(m1, 2))).toEqual([m1]);
    expect(messagesProjection.keys(deleted(m1, 3))).toEqual([m1]);
    expect(messagesProjection.keys(reacted(m1, '👍', 4))).toEqual([]);
    for (const event of others) expect(messagesProjection.keys(event)).toEqual([]);
  });

  it('creates the message row, its body at the sending event', () => {
    expect(messagesProjection.evolve(undefined, sent(m1, 5, bob), m1)).toEqual({
      id: m1,
      room_id: roomId,
      author_id: bob,
      position: 5,
      body_position: 5,
      sent_at: at(5),
      edited_at: null,
      deleted: false,
    });
  });

  it('keeps the first row when the same message is sent again', () => {
    const row = messagesProjection.evolve(undefined, sent(m1, 5), m1)!;
    expect(messagesProjection.evolve(row, sent(m1, 9), m1)).toBe(row);
  });

  it('moves body_position and sets edited_at on edit, without mutating the row', () => {
    const row = messagesProjection.evolve(undefined, sent(m1, 5), m1)!;
    const next = messagesProjection.evolve(row, edited(m1, 8), m1)!;
    expect(next).toEqual({ ...row, body_position: 8, edited_at: at(8) });
    expect(next.position).toBe(5);
    expect(row.body_position).toBe(5);
    expect(row.edited_at).toBeNull();
  });

  it('marks a deleted message and drops its body', () => {
    const row = messagesProjection.evolve(undefined, sent(m1, 5), m1)!;
    const gone = messagesProjection.evolve(row, deleted(m1, 6), m1)!;
    expect(gone).toEqual({ ...row, deleted: true, body_position: null });
    expect(row.deleted).toBe(false);
  });

  it('ignores an edit after the delete', () => {
    const row = messagesProjection.evolve(undefined, sent(m1, 5), m1)!;
    const gone = messagesProjection.evolve(row, deleted(m1, 6), m1)!;
    expect(messagesProjection.evolve(gone, edited(m1, 7), m1)).toBe(gone);
  });

  it('ignores edits and deletes of unknown messages', () => {
    expect(messagesProjection.evolve(undefined, edited(m1, 7), m1)).toBeUndefined();
    expect(messagesProjection.evolve(undefined, deleted(m1, 7), m1)).toBeUndefined();
  });

  it('returns the same row for unrelated events', () => {
    const row = messagesProjection.evolve(undefined, sent(m1, 5), m1)!;
    for (const event of [reacted(m1, '👍', 6), ...others]) expect(messagesProjection.evolve(row, event, m1)).toBe(row);
  });

  it('folds a message history', () => {
    const state = new Map<string, ProjectionRow<'messages'>>();
    foldInto(messagesProjection, state, [
      sent(m1, 1),
      sent(m2, 2, bob),
      edited(m1, 3),
      edited(m1, 4),
      deleted(m2, 5),
      edited(m2, 6),
      edited(m1, 7),
    ]);
    expect(state.get(m1)).toMatchObject({ position: 1, body_position: 7, edited_at: at(7), deleted: false });
    expect(state.get(m2)).toMatchObject({ author_id: bob, position: 2, body_position: null, edited_at: null, deleted: true });
  });
});

describe('reactionsProjection', () => {
  it('keys a reaction by message, actor and emoji', () => {
    expect(reactionId(m1, alice, '👍')).toBe(`${m1}:${alice}:👍`);
    expect(reactionsProjection.keys(reacted(m1, '👍', 1))).toEqual([reactionId(m1, alice, '👍')]);
    expect(reactionsProjection.keys(reacted(m1, '👍', 1, bob))).toEqual([reactionId(m1, bob, '👍')]);
  });

  it('has no keys for system-made reactions or other events', () => {
    expect(reactionsProjection.keys(reacted(m1, '👍', 1, null))).toEqual([]);
    for (const event of [sent(m1, 1), edited(m1, 2), deleted(m1, 3), ...others]) expect(reactionsProjection.keys(event)).toEqual([]);
  });

  it('creates the reaction row', () => {
    const id = reactionId(m1, bob, '🎉');
    expect(reactionsProjection.evolve(undefined, reacted(m1, '🎉', 4, bob), id)).toEqual({
      id,
      message_id: m1,
      room_id: roomId,
      user_id: bob,
      emoji: '🎉',
      position: 4,
    });
  });

  it('keeps the first row when the same reaction comes twice', () => {
    const id = reactionId(m1, alice, '👍');
    const first = reactionsProjection.evolve(undefined, reacted(m1, '👍', 4), id)!;
    const copy = structuredClone(first);
    expect(reactionsProjection.evolve(first, reacted(m1, '👍', 9), id)).toBe(first);
    expect(first).toEqual(copy);
  });

  it('returns the same row for unrelated events', () => {
    const id = reactionId(m1, alice, '👍');
    const row = reactionsProjection.evolve(undefined, reacted(m1, '👍', 4), id)!;
    for (const event of [sent(m1, 5), deleted(m1, 6), ...others]) expect(reactionsProjection.evolve(row, event, id)).toBe(row);
    expect(reactionsProjection.evolve(undefined, sent(m1, 5), id)).toBeUndefined();
  });

  it('folds one row per (message, user, emoji)', () => {
    const state = new Map<string, ProjectionRow<'reactions'>>();
    const changed = new Map<string, boolean>();
    foldInto(
      reactionsProjection,
      state,
      [reacted(m1, '👍', 1), reacted(m1, '👍', 2), reacted(m1, '🎉', 3), reacted(m1, '👍', 4, bob), reacted(m2, '👍', 5)],
      changed,
    );
    expect(state.size).toBe(4);
    expect(changed.size).toBe(4);
    expect(state.get(reactionId(m1, alice, '👍'))!.position).toBe(1);

    const again = new Map<string, boolean>();
    foldInto(reactionsProjection, state, [reacted(m1, '👍', 6)], again);
    expect(again.size).toBe(0);
  });
});

describe('messages return the same row for a repeated delete (regression)', () => {
  it('keeps the row object', () => {
    const id = '33333333-3333-4333-8333-333333333333';
    const row = messagesProjection.evolve(messagesProjection.evolve(undefined, sent(id, 1), id), deleted(id, 2), id)!;
    expect(messagesProjection.evolve(row, deleted(id, 3), id)).toBe(row);
  });
});
