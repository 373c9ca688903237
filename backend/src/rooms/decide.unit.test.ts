import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors/errors';
import { decideAddMember, decideCreateRoom, decideJoin, decideLeave, decideOpenDm, decideRemoveMember, type RoomFacts } from './decide';

const roomId = '22222222-2222-4222-8222-222222222222';
const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const stream = `room-${roomId}`;

const publicRoom: RoomFacts = { kind: 'public' };
const privateRoom: RoomFacts = { kind: 'private' };
const dmRoom: RoomFacts = { kind: 'dm' };

/** Runs `run`, expecting it to throw an instance of `type` with `code`. */
function expectRefusal(run: () => unknown, type: typeof NotFoundError | typeof ForbiddenError | typeof InvalidInputError, code: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as { code: string }).code).toBe(code);
}

describe('decideCreateRoom', () => {
  it('creates the room and joins its creator', () => {
    expect(decideCreateRoom({ roomId, name: 'random', kind: 'public', actor: alice })).toEqual([
      { stream, type: 'room.created', data: { roomId, name: 'random', kind: 'public' } },
      { stream, type: 'room.joined', data: { roomId, userId: alice } },
    ]);
  });

  it('creates a private room the same way', () => {
    expect(decideCreateRoom({ roomId, name: 'team', kind: 'private', actor: bob })).toEqual([
      { stream, type: 'room.created', data: { roomId, name: 'team', kind: 'private' } },
      { stream, type: 'room.joined', data: { roomId, userId: bob } },
    ]);
  });

  it('joins nobody when the system creates the room', () => {
    expect(decideCreateRoom({ roomId, name: 'general', kind: 'public', actor: null })).toEqual([
      { stream, type: 'room.created', data: { roomId, name: 'general', kind: 'public' } },
    ]);
  });
});

describe('decideJoin', () => {
  it('joins a public room', () => {
    expect(decideJoin({ roomId, actor: alice }, { room: publicRoom, isMember: false })).toEqual([
      { stream, type: 'room.joined', data: { roomId, userId: alice } },
    ]);
  });

  it.each([publicRoom, privateRoom, dmRoom])('records nothing for a member (%o)', (room) => {
    expect(decideJoin({ roomId, actor: alice }, { room, isMember: true })).toEqual([]);
  });

  it.each([
    ['a private room', privateRoom],
    ['a dm', dmRoom],
    ['a missing room', undefined],
  ])('hides %s from a non-member: NotFoundError', (_label, room) => {
    expectRefusal(() => decideJoin({ roomId, actor: alice }, { room, isMember: false }), NotFoundError, 'not_found');
  });
});

describe('decideLeave', () => {
  it.each([publicRoom, privateRoom, dmRoom])('lets a member leave (%o)', (room) => {
    expect(decideLeave({ roomId, actor: alice }, { room, isMember: true })).toEqual([
      { stream, type: 'room.left', data: { roomId, userId: alice } },
    ]);
  });

  it('records nothing when a non-member leaves a public room', () => {
    expect(decideLeave({ roomId, actor: alice }, { room: publicRoom, isMember: false })).toEqual([]);
  });

  it.each([
    ['a private room', privateRoom],
    ['a dm', dmRoom],
    ['a missing room', undefined],
  ])('hides %s from a non-member: NotFoundError', (_label, room) => {
    expectRefusal(() => decideLeave({ roomId, actor: alice }, { room, isMember: false }), NotFoundError, 'not_found');
  });

  it('refuses a missing room even if the caller claims membership', () => {
    expectRefusal(() => decideLeave({ roomId, actor: alice }, { room: undefined, isMember: true }), NotFoundError, 'not_found');
  });
});

describe('decideAddMember', () => {
  const ok = { actorIsMember: true, userExists: true, userIsMember: false };

  it.each([publicRoom, privateRoom])('lets a member add someone (%o)', (room) => {
    expect(decideAddMember({ roomId, userId: bob }, { ...ok, room })).toEqual([
      { stream, type: 'room.joined', data: { roomId, userId: bob } },
    ]);
  });

  it('records nothing when the user is already a member', () => {
    expect(decideAddMember({ roomId, userId: bob }, { ...ok, room: privateRoom, userIsMember: true })).toEqual([]);
  });

  it('refuses adding anyone to a dm: ForbiddenError', () => {
    expectRefusal(() => decideAddMember({ roomId, userId: bob }, { ...ok, room: dmRoom }), ForbiddenError, 'forbidden');
  });

  it.each([publicRoom, privateRoom, dmRoom])('hides the room from a non-member actor (%o)', (room) => {
    expectRefusal(
      () => decideAddMember({ roomId, userId: bob }, { ...ok, room, actorIsMember: false }),
      NotFoundError,
      'not_found',
    );
  });

  it('refuses a missing room', () => {
    expectRefusal(() => decideAddMember({ roomId, userId: bob }, { ...ok, room: undefined }), NotFoundError, 'not_found');
  });

  it('refuses an unknown user with user_not_found', () => {
    expectRefusal(
      () => decideAddMember({ roomId, userId: bob }, { ...ok, room: publicRoom, userExists: false }),
      NotFoundError,
      'user_not_found',
    );
  });
});

describe('decideRemoveMember', () => {
  const creator = { room: privateRoom, actorIsMember: true, actorIsCreator: true, actorIsAdmin: false, userIsMember: true };
  const remove = (state: Partial<typeof creator>) => decideRemoveMember({ roomId, userId: bob }, { ...creator, ...state });

  it.each([publicRoom, privateRoom])("records the creator's removal of a member as that member leaving (%o)", (room) => {
    expect(remove({ room })).toEqual([{ stream, type: 'room.left', data: { roomId, userId: bob } }]);
  });

  it('lets an admin remove a member, even from a room the admin is not in', () => {
    expect(remove({ actorIsCreator: false, actorIsMember: false, actorIsAdmin: true })).toEqual([
      { stream, type: 'room.left', data: { roomId, userId: bob } },
    ]);
  });

  it('refuses a member who neither created the room nor administers the instance', () => {
    expectRefusal(() => remove({ actorIsCreator: false }), ForbiddenError, 'forbidden');
  });

  it('answers an outsider as for a room that does not exist', () => {
    expectRefusal(() => remove({ actorIsMember: false, actorIsCreator: false }), NotFoundError, 'not_found');
    expectRefusal(() => remove({ room: undefined }), NotFoundError, 'not_found');
  });

  it('refuses to remove anyone from a DM', () => {
    expectRefusal(() => remove({ room: dmRoom }), InvalidInputError, 'invalid_input');
  });

  it('answers 404 for someone who is not a member', () => {
    expectRefusal(() => remove({ userIsMember: false }), NotFoundError, 'not_found');
  });
});

describe('decideOpenDm', () => {
  it('creates the dm and joins both people', () => {
    expect(decideOpenDm({ roomId, actor: alice, other: bob, name: 'alice, bob' }, { exists: false })).toEqual([
      { stream, type: 'room.created', data: { roomId, name: 'alice, bob', kind: 'dm' } },
      { stream, type: 'room.joined', data: { roomId, userId: alice } },
      { stream, type: 'room.joined', data: { roomId, userId: bob } },
    ]);
  });

  it('joins only once for notes to self', () => {
    const events = decideOpenDm({ roomId, actor: alice, other: alice, name: 'alice' }, { exists: false });
    expect(events).toEqual([
      { stream, type: 'room.created', data: { roomId, name: 'alice', kind: 'dm' } },
      { stream, type: 'room.joined', data: { roomId, userId: alice } },
    ]);
    expect(events.filter((e) => e.type === 'room.joined')).toHaveLength(1);
  });

  it('records nothing when the dm exists', () => {
    expect(decideOpenDm({ roomId, actor: alice, other: bob, name: 'x' }, { exists: true })).toEqual([]);
  });
});
