import { ConflictError } from '../errors/errors';
import type { NewChatEvent } from '../events';
import { roomStream } from '../rooms/events';
import { userStream } from './events';

/** Registers an account and joins it to the default room. Ids and the password hash come in. */
export function decideRegister(
  command: { readonly userId: string; readonly username: string; readonly passwordHash: string; readonly defaultRoomId: string },
  state: { readonly usernameTaken: boolean; readonly firstUser: boolean },
): NewChatEvent[] {
  if (state.usernameTaken) throw new ConflictError('username_taken', 'That username is taken.', { field: 'username' });
  return [
    {
      stream: userStream(command.userId),
      type: 'user.registered',
      data: {
        userId: command.userId,
        username: command.username,
        passwordHash: command.passwordHash,
        // The first account of an empty instance administers it.
        isAdmin: state.firstUser,
      },
    },
    {
      stream: roomStream(command.defaultRoomId),
      type: 'room.joined',
      data: { roomId: command.defaultRoomId, userId: command.userId },
    },
  ];
}

export function decideStartSession(command: {
  readonly sessionId: string;
  readonly userId: string;
  readonly expiresAt: Date;
  readonly remember: boolean;
  readonly client: 'browser' | 'token';
}): NewChatEvent[] {
  return [
    {
      stream: userStream(command.userId),
      type: 'session.started',
      data: {
        sessionId: command.sessionId,
        userId: command.userId,
        expiresAt: command.expiresAt.toISOString(),
        remember: command.remember,
        client: command.client,
      },
    },
  ];
}

/** Ends a session; ending one that already ended records nothing. */
export function decideEndSession(
  command: { readonly sessionId: string; readonly userId: string; readonly reason: 'logout' | 'revoked' },
  state: { readonly sessionActive: boolean },
): NewChatEvent[] {
  if (!state.sessionActive) return [];
  return [
    {
      stream: userStream(command.userId),
      type: 'session.ended',
      data: { sessionId: command.sessionId, userId: command.userId, reason: command.reason },
    },
  ];
}
