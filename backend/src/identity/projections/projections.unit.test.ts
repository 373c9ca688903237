import { describe, expect, it } from 'vitest';
import type { ProjectionRow } from '../../db/types';
import type { ChatEvent, RecordedChatEvent } from '../../events';
import { foldInto } from '../../projections/projection';
import { sessionsProjection } from './sessions';
import { usersProjection } from './users';

const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const roomId = '22222222-2222-4222-8222-222222222222';
const session1 = '33333333-3333-4333-8333-333333333333';
const session2 = '55555555-5555-4555-8555-555555555555';
const messageId = '44444444-4444-4444-8444-444444444444';

const at = (position: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, position));

/** A recorded event at `position` (its time is derived from the position). */
function recorded(event: ChatEvent, position: number, actor: string | null = alice): RecordedChatEvent {
  const stream = 'userId' in event.data && !event.type.startsWith('room.') ? `user-${event.data.userId}` : `room-${roomId}`;
  return { ...event, position, stream, version: position, actor, occurredAt: at(position), metadata: {} };
}

const registered = (userId: string, username: string, isAdmin: boolean, position: number) =>
  recorded({ type: 'user.registered', data: { userId, username, passwordHash: `hash-of-${username}`, isAdmin } }, position, null);
const started = (sessionId: string, userId: string, position: number) =>
  recorded(
    {
      type: 'session.started',
      data: { sessionId, userId, expiresAt: '2024-02-01T00:00:00.000Z', remember: true, client: 'browser' },
    },
    position,
  );
const ended = (sessionId: string, userId: string, position: number) =>
  recorded({ type: 'session.ended', data: { sessionId, userId, reason: 'logout' } }, position);
const unrelated = [
  recorded({ type: 'room.joined', data: { roomId, userId: alice } }, 90),
  recorded({ type: 'message.sent', data: { messageId, roomId, body: 'hi' } }, 91),
  recorded({ type: 'user.typing', data: { roomId } }, 92),
];

describe('usersProjection', () => {
  it('keys user.registered by user id and nothing else', () => {
    expect(usersProjection.keys(registered(alice, 'Alice', true, 1))).toEqual([alice]);
    expect(usersProjection.keys(started(session1, alice, 2))).toEqual([]);
    expect(usersProjection.keys(ended(session1, alice, 3))).toEqual([]);
    for (const event of unrelated) expect(usersProjection.keys(event)).toEqual([]);
  });

  it('creates the user row with a lower-cased name for uniqueness', () => {
    expect(usersProjection.evolve(undefined, registered(alice, 'AliCE', true, 1), alice)).toEqual({
      id: alice,
      username: 'AliCE',
      username_lower: 'alice',
      password_hash: 'hash-of-AliCE',
      is_admin: true,
      created_at: at(1),
    });
  });

  it('returns the same row for events that change nothing, and is pure', () => {
    const row = usersProjection.evolve(undefined, registered(alice, 'Alice', false, 1), alice)!;
    const copy = structuredClone(row);
    for (const event of [started(session1, alice, 2), ...unrelated]) {
      expect(usersProjection.evolve(row, event, alice)).toBe(row);
    }
    expect(usersProjection.evolve(undefined, unrelated[0]!, alice)).toBeUndefined();
    usersProjection.evolve(row, registered(alice, 'Other', true, 5), alice);
    expect(row).toEqual(copy);
  });

  it('folds registrations into one row per user', () => {
    const state = new Map<string, ProjectionRow<'users'>>();
    const changed = new Map<string, boolean>();
    foldInto(usersProjection, state, [registered(alice, 'Alice', true, 1), ...unrelated, registered(bob, 'Bob', false, 2)], changed);
    expect([...state.keys()].sort()).toEqual([alice, bob]);
    expect(state.get(alice)).toMatchObject({ username_lower: 'alice', is_admin: true });
    expect(state.get(bob)).toMatchObject({ username_lower: 'bob', is_admin: false });
    expect([...changed].sort()).toEqual([
      [alice, false],
      [bob, false],
    ].sort());
  });
});

describe('sessionsProjection', () => {
  it('keys session events by session id and nothing else', () => {
    expect(sessionsProjection.keys(started(session1, alice, 1))).toEqual([session1]);
    expect(sessionsProjection.keys(ended(session1, alice, 2))).toEqual([session1]);
    expect(sessionsProjection.keys(registered(alice, 'Alice', true, 3))).toEqual([]);
    for (const event of unrelated) expect(sessionsProjection.keys(event)).toEqual([]);
  });

  it('creates an open session with its expiry as a Date', () => {
    expect(sessionsProjection.evolve(undefined, started(session1, alice, 1), session1)).toEqual({
      id: session1,
      user_id: alice,
      expires_at: new Date('2024-02-01T00:00:00.000Z'),
      ended_at: null,
    });
  });

  it('sets ended_at once, at the first session.ended, without mutating the row', () => {
    const open = sessionsProjection.evolve(undefined, started(session1, alice, 1), session1)!;
    const closed = sessionsProjection.evolve(open, ended(session1, alice, 2), session1)!;
    expect(closed).not.toBe(open);
    expect(closed.ended_at).toEqual(at(2));
    expect(open.ended_at).toBeNull();
    // A second end changes nothing: the same row comes back.
    expect(sessionsProjection.evolve(closed, ended(session1, alice, 3), session1)).toBe(closed);
    expect(closed.ended_at).toEqual(at(2));
  });

  it('ignores the end of an unknown session', () => {
    expect(sessionsProjection.evolve(undefined, ended(session1, alice, 1), session1)).toBeUndefined();
  });

  it('returns the same row for unrelated events', () => {
    const open = sessionsProjection.evolve(undefined, started(session1, alice, 1), session1)!;
    for (const event of [registered(alice, 'Alice', true, 5), ...unrelated]) {
      expect(sessionsProjection.evolve(open, event, session1)).toBe(open);
    }
  });

  it('folds starts and ends per session', () => {
    const state = new Map<string, ProjectionRow<'sessions'>>();
    const changed = new Map<string, boolean>();
    foldInto(
      sessionsProjection,
      state,
      [started(session1, alice, 1), started(session2, bob, 2), ended(session1, alice, 3), ended(session1, alice, 4)],
      changed,
    );
    expect(state.get(session1)).toMatchObject({ user_id: alice, ended_at: at(3) });
    expect(state.get(session2)).toMatchObject({ user_id: bob, ended_at: null });

    const again = new Map<string, boolean>();
    foldInto(sessionsProjection, state, [ended(session1, alice, 5)], again);
    expect(again.size).toBe(0);
    expect(state.get(session1)!.ended_at).toEqual(at(3));
  });
});

describe('users keep the first registration (regression)', () => {
  it('returns the same row for a repeated user.registered', () => {
    const id = '44444444-4444-4444-8444-444444444444';
    const row = usersProjection.evolve(undefined, registered(id, 'Zed', false, 1), id)!;
    expect(usersProjection.evolve(row, registered(id, 'Other', true, 2), id)).toBe(row);
  });
});
