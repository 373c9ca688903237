import { describe, expect, it } from 'vitest';
import { ConflictError } from '../errors/errors';
import { decideEndSession, decideRegister, decideStartSession } from './decide';

const userId = '11111111-1111-4111-8111-111111111111';
const roomId = '22222222-2222-4222-8222-222222222222';
const sessionId = '33333333-3333-4333-8333-333333333333';

const register = { userId, username: 'Alice', passwordHash: 'scrypt$16384$8$1$salt$hash', defaultRoomId: roomId };

describe('decideRegister', () => {
  it('registers the first user as admin and joins the default room', () => {
    expect(decideRegister(register, { usernameTaken: false, firstUser: true })).toEqual([
      {
        stream: `user-${userId}`,
        type: 'user.registered',
        data: { userId, username: 'Alice', passwordHash: 'scrypt$16384$8$1$salt$hash', isAdmin: true },
      },
      { stream: `room-${roomId}`, type: 'room.joined', data: { roomId, userId } },
    ]);
  });

  it('registers later users as non-admins', () => {
    const [registered, joined] = decideRegister(register, { usernameTaken: false, firstUser: false });
    expect(registered).toMatchObject({ type: 'user.registered', data: { isAdmin: false } });
    expect(joined).toEqual({ stream: `room-${roomId}`, type: 'room.joined', data: { roomId, userId } });
  });

  it('refuses a taken username with a conflict naming the field', () => {
    let caught: unknown;
    try {
      decideRegister(register, { usernameTaken: true, firstUser: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConflictError);
    expect(caught).toMatchObject({ code: 'username_taken', details: { field: 'username' } });
  });
});

describe('decideStartSession', () => {
  it('records the session in the user stream with an ISO expiry', () => {
    const expiresAt = new Date('2030-01-02T03:04:05.678Z');
    expect(decideStartSession({ sessionId, userId, expiresAt, remember: true, client: 'browser' })).toEqual([
      {
        stream: `user-${userId}`,
        type: 'session.started',
        data: { sessionId, userId, expiresAt: '2030-01-02T03:04:05.678Z', remember: true, client: 'browser' },
      },
    ]);
  });

  it('carries remember and client through', () => {
    const [event] = decideStartSession({ sessionId, userId, expiresAt: new Date(0), remember: false, client: 'token' });
    expect(event).toMatchObject({ data: { remember: false, client: 'token', expiresAt: '1970-01-01T00:00:00.000Z' } });
  });
});

describe('decideEndSession', () => {
  it('ends an active session with its reason', () => {
    expect(decideEndSession({ sessionId, userId, reason: 'logout' }, { sessionActive: true })).toEqual([
      { stream: `user-${userId}`, type: 'session.ended', data: { sessionId, userId, reason: 'logout' } },
    ]);
    expect(decideEndSession({ sessionId, userId, reason: 'revoked' }, { sessionActive: true })[0]).toMatchObject({
      data: { reason: 'revoked' },
    });
  });

  it('records nothing for a session that already ended', () => {
    expect(decideEndSession({ sessionId, userId, reason: 'logout' }, { sessionActive: false })).toEqual([]);
  });
});
