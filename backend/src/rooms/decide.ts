import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors/errors';
import type { NewChatEvent } from '../events';
import { roomStream } from './events';

/** A room as decisions see it; `undefined` when it does not exist. */
export interface RoomFacts {
  readonly kind: 'public' | 'private' | 'dm';
}

const joined = (roomId: string, userId: string): NewChatEvent => ({
  stream: roomStream(roomId),
  type: 'room.joined',
  data: { roomId, userId },
});

const left = (roomId: string, userId: string): NewChatEvent => ({
  stream: roomStream(roomId),
  type: 'room.left',
  data: { roomId, userId },
});

/** Creates a public or private room with its creator as the first member. */
export function decideCreateRoom(command: {
  readonly roomId: string;
  readonly name: string;
  readonly kind: 'public' | 'private';
  readonly actor: string | null;
}): NewChatEvent[] {
  const created: NewChatEvent = {
    stream: roomStream(command.roomId),
    type: 'room.created',
    data: { roomId: command.roomId, name: command.name, kind: command.kind },
  };
  return command.actor ? [created, joined(command.roomId, command.actor)] : [created];
}

/** Joins a public room. Private rooms and DMs are invisible to non-members: 404. */
export function decideJoin(
  command: { readonly roomId: string; readonly actor: string },
  state: { readonly room: RoomFacts | undefined; readonly isMember: boolean },
): NewChatEvent[] {
  if (state.isMember) return [];
  if (state.room?.kind !== 'public') throw new NotFoundError('No such room.');
  return [joined(command.roomId, command.actor)];
}

export function decideLeave(
  command: { readonly roomId: string; readonly actor: string },
  state: { readonly room: RoomFacts | undefined; readonly isMember: boolean },
): NewChatEvent[] {
  if (!state.room || (!state.isMember && state.room.kind !== 'public')) throw new NotFoundError('No such room.');
  if (!state.isMember) return [];
  return [left(command.roomId, command.actor)];
}

/**
 * The room's creator or an instance admin removes a member from a public or
 * private room. It is recorded as that member's `room.left` with the remover as
 * the event's actor, so every reader of `room.left` (memberships, the gateway's
 * unsubscribe, the PWA replica) treats a removal as leaving.
 */
export function decideRemoveMember(
  command: { readonly roomId: string; readonly userId: string },
  state: {
    readonly room: RoomFacts | undefined;
    readonly actorIsMember: boolean;
    readonly actorIsCreator: boolean;
    readonly actorIsAdmin: boolean;
    readonly userIsMember: boolean;
  },
): NewChatEvent[] {
  // Admins moderate the whole instance; anyone else outside the room must not learn it exists.
  if (!state.room || (!state.actorIsMember && !state.actorIsAdmin)) throw new NotFoundError('No such room.');
  if (state.room.kind === 'dm') throw new InvalidInputError('Direct messages are between their two people: nobody can be removed.');
  if (!state.actorIsCreator && !state.actorIsAdmin) throw new ForbiddenError("Only the room's creator or an admin can remove members.");
  if (!state.userIsMember) throw new NotFoundError('No such member in this room.');
  return [left(command.roomId, command.userId)];
}

/** A member adds someone to a public or private room (not to a DM). */
export function decideAddMember(
  command: { readonly roomId: string; readonly userId: string },
  state: {
    readonly room: RoomFacts | undefined;
    readonly actorIsMember: boolean;
    readonly userExists: boolean;
    readonly userIsMember: boolean;
  },
): NewChatEvent[] {
  if (!state.room || !state.actorIsMember) throw new NotFoundError('No such room.');
  if (state.room.kind === 'dm') throw new ForbiddenError('Direct messages are between their two people only.');
  if (!state.userExists) throw new NotFoundError('No such user.', 'user_not_found');
  if (state.userIsMember) return [];
  return [joined(command.roomId, command.userId)];
}

/** Opens the DM room of two users (or a notes-to-self room), once. */
export function decideOpenDm(
  command: { readonly roomId: string; readonly actor: string; readonly other: string; readonly name: string },
  state: { readonly exists: boolean },
): NewChatEvent[] {
  if (state.exists) return [];
  const members = [...new Set([command.actor, command.other])];
  return [
    { stream: roomStream(command.roomId), type: 'room.created', data: { roomId: command.roomId, name: command.name, kind: 'dm' } },
    ...members.map((userId) => joined(command.roomId, userId)),
  ];
}
