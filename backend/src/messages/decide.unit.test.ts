import { describe, expect, it } from 'vitest';
import { AppError, ForbiddenError, NotFoundError } from '../errors/errors';
import {
  decideDelete,
  decideEdit,
  decideReact,
  decideRead,
  decideSend,
  decideTyping,
  requireMember,
  type MessageFacts,
  type RoomAccess,
} from './decide';

const roomId = '22222222-2222-4222-8222-222222222222';
const messageId = '44444444-4444-4444-8444-444444444444';
const alice = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const bob = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const stream = `room-${roomId}`;

const member = (kind: 'public' | 'private' | 'dm'): RoomAccess => ({ room: { kind }, isMember: true });
const outsider = (kind: 'public' | 'private' | 'dm'): RoomAccess => ({ room: { kind }, isMember: false });
const missing: RoomAccess = { room: undefined, isMember: false };

const byAlice: MessageFacts = { roomId, authorId: alice, deleted: false };
const byAliceDeleted: MessageFacts = { roomId, authorId: alice, deleted: true };
const byBob: MessageFacts = { roomId, authorId: bob, deleted: false };

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

describe('decideSend', () => {
  it('posts the message in its room', () => {
    expect(decideSend({ messageId, roomId, body: 'hello' })).toEqual([{ stream, type: 'message.sent', data: { messageId, roomId, body: 'hello' } }]);
  });
});

describe('requireMember (what the append checks for a send)', () => {
  it.each(['public', 'private', 'dm'] as const)('lets a member post in a %s room', (kind) => {
    expect(() => requireMember(member(kind))).not.toThrow();
  });

  it('tells a non-member of a public room to join: ForbiddenError not_a_member', () => {
    const error = refusal(() => requireMember(outsider('public')));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('not_a_member');
    expect(error.message).toBe('Join the room before posting in it.');
  });

  it.each([
    ['a private room', outsider('private')],
    ['a dm', outsider('dm')],
    ['a missing room', missing],
  ])('hides %s from a non-member: NotFoundError', (_label, access) => {
    const error = refusal(() => requireMember(access));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('not_found');
    expect(error.message).toBe('No such room.');
  });
});

describe('decideEdit', () => {
  it('lets the author edit, in the message’s room', () => {
    expect(decideEdit({ messageId, body: 'fixed', actor: alice }, { message: byAlice, access: member('private') })).toEqual([
      { stream, type: 'message.edited', data: { messageId, roomId, body: 'fixed' } },
    ]);
  });

  it('refuses editing someone else’s message: ForbiddenError', () => {
    const error = refusal(() => decideEdit({ messageId, body: 'x', actor: bob }, { message: byAlice, access: member('public') }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('forbidden');
  });

  it('refuses the author after they left a public room: not_a_member', () => {
    const error = refusal(() => decideEdit({ messageId, body: 'x', actor: alice }, { message: byAlice, access: outsider('public') }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('not_a_member');
  });

  it.each([
    ['a missing message', undefined, member('public')],
    ['a deleted message', byAliceDeleted, member('public')],
    ['a message in a private room the actor left', byAlice, outsider('private')],
    ['a message in a missing room', byAlice, missing],
  ])('hides %s: NotFoundError', (_label, message, access) => {
    const error = refusal(() => decideEdit({ messageId, body: 'x', actor: alice }, { message, access }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('not_found');
  });
});

describe('decideDelete', () => {
  const deleted = [{ stream, type: 'message.deleted', data: { messageId, roomId } }];

  it('lets the author delete their message', () => {
    expect(decideDelete({ messageId, actor: alice, actorIsAdmin: false }, { message: byAlice, access: member('public') })).toEqual(
      deleted,
    );
  });

  it('refuses deleting someone else’s message: ForbiddenError', () => {
    const error = refusal(() =>
      decideDelete({ messageId, actor: bob, actorIsAdmin: false }, { message: byAlice, access: member('public') }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('forbidden');
  });

  it('lets an admin delete any message they can see', () => {
    expect(decideDelete({ messageId, actor: alice, actorIsAdmin: true }, { message: byBob, access: member('private') })).toEqual(
      deleted,
    );
    // A public room is visible without joining it.
    expect(decideDelete({ messageId, actor: alice, actorIsAdmin: true }, { message: byBob, access: outsider('public') })).toEqual(
      deleted,
    );
  });

  it('hides messages of private rooms and dms from an admin who is not a member', () => {
    for (const access of [outsider('private'), outsider('dm'), missing]) {
      const error = refusal(() => decideDelete({ messageId, actor: alice, actorIsAdmin: true }, { message: byBob, access }));
      expect(error).toBeInstanceOf(NotFoundError);
    }
  });

  it('records nothing when the author deletes their already-deleted message', () => {
    expect(
      decideDelete({ messageId, actor: alice, actorIsAdmin: false }, { message: byAliceDeleted, access: member('public') }),
    ).toEqual([]);
  });

  it('hides someone else’s deleted message, and a missing one: NotFoundError', () => {
    for (const message of [byAliceDeleted, undefined]) {
      const error = refusal(() => decideDelete({ messageId, actor: bob, actorIsAdmin: false }, { message, access: member('public') }));
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.code).toBe('not_found');
    }
  });
});

describe('decideReact', () => {
  it('adds a reaction for a member', () => {
    expect(
      decideReact({ messageId, emoji: '👍' }, { message: byBob, access: member('dm'), alreadyReacted: false }),
    ).toEqual([{ stream, type: 'reaction.added', data: { messageId, roomId, emoji: '👍' } }]);
  });

  it('records nothing for the same reaction twice', () => {
    expect(decideReact({ messageId, emoji: '👍' }, { message: byBob, access: member('public'), alreadyReacted: true })).toEqual([]);
  });

  it('asks a non-member of a public room to join first', () => {
    const error = refusal(() =>
      decideReact({ messageId, emoji: '👍' }, { message: byBob, access: outsider('public'), alreadyReacted: false }),
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.code).toBe('not_a_member');
  });

  it.each([
    ['a deleted message', byAliceDeleted, member('public')],
    ['a missing message', undefined, member('public')],
    ['a message in a private room', byBob, outsider('private')],
  ])('hides %s: NotFoundError', (_label, message, access) => {
    const error = refusal(() => decideReact({ messageId, emoji: '👍' }, { message, access, alreadyReacted: false }));
    expect(error).toBeInstanceOf(NotFoundError);
  });
});

describe('decideRead', () => {
  const receipt = (position: number) => [{ stream, type: 'receipt.read', data: { roomId, position } }];

  it('marks the room read up to the position', () => {
    expect(decideRead({ roomId, position: 10 }, { access: member('public'), lastRead: 5, roomHead: 20 })).toEqual(receipt(10));
  });

  it('clamps the position to the room head', () => {
    expect(decideRead({ roomId, position: 1_000 }, { access: member('private'), lastRead: 5, roomHead: 20 })).toEqual(receipt(20));
  });

  it('never moves backwards, and records nothing for the same position', () => {
    expect(decideRead({ roomId, position: 4 }, { access: member('public'), lastRead: 5, roomHead: 20 })).toEqual([]);
    expect(decideRead({ roomId, position: 5 }, { access: member('public'), lastRead: 5, roomHead: 20 })).toEqual([]);
  });

  it('records nothing when clamping leaves it at the last read position', () => {
    expect(decideRead({ roomId, position: 50 }, { access: member('public'), lastRead: 20, roomHead: 20 })).toEqual([]);
  });

  it.each([
    ['a public room', outsider('public')],
    ['a private room', outsider('private')],
    ['a missing room', missing],
  ])('refuses a non-member of %s: NotFoundError', (_label, access) => {
    const error = refusal(() => decideRead({ roomId, position: 10 }, { access, lastRead: 0, roomHead: 20 }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('not_found');
  });
});

describe('decideTyping', () => {
  const now = new Date('2026-01-01T12:00:10.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);

  it('says a member is typing', () => {
    expect(decideTyping({ roomId, now }, { access: member('public'), lastTypingAt: null })).toEqual([{ stream, type: 'user.typing', data: { roomId } }]);
  });

  it('says it at most once every 3 s, wherever the earlier one came from', () => {
    expect(decideTyping({ roomId, now }, { access: member('public'), lastTypingAt: ago(2999) })).toEqual([]);
    expect(decideTyping({ roomId, now }, { access: member('public'), lastTypingAt: ago(3000) })).toHaveLength(1);
  });

  it('refuses non-members like sending does', () => {
    expect(refusal(() => decideTyping({ roomId, now }, { access: outsider('public'), lastTypingAt: null })).code).toBe('not_a_member');
    expect(refusal(() => decideTyping({ roomId, now }, { access: outsider('private'), lastTypingAt: null }))).toBeInstanceOf(NotFoundError);
  });
});
