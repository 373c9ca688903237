import { ForbiddenError, NotFoundError } from '../errors/errors';
import type { NewChatEvent } from '../events';
import type { RoomFacts } from '../rooms/decide';
import { roomStream } from '../rooms/events';

/** Where the actor stands in a room. Invisible rooms (private, not a member) look absent. */
export interface RoomAccess {
  readonly room: RoomFacts | undefined;
  readonly isMember: boolean;
}

/** A message as decisions see it. */
export interface MessageFacts {
  readonly roomId: string;
  readonly authorId: string;
  readonly deleted: boolean;
}

/** Only members act in a room: invisible rooms look absent, public ones say to join first. */
export function requireMember(access: RoomAccess): void {
  if (!access.room || (!access.isMember && access.room.kind !== 'public')) throw new NotFoundError('No such room.');
  if (!access.isMember) throw new ForbiddenError('Join the room before posting in it.', 'not_a_member');
}

/**
 * Posts a message; its id is the client's command id. Only members post
 * (`requireMember`): the append decides that under its lock, on the rows its
 * read loads, so no statement runs before it.
 */
export function decideSend(command: { readonly messageId: string; readonly roomId: string; readonly body: string }): NewChatEvent[] {
  return [
    {
      stream: roomStream(command.roomId),
      type: 'message.sent',
      data: { messageId: command.messageId, roomId: command.roomId, body: command.body },
    },
  ];
}

function requireVisibleMessage(message: MessageFacts | undefined, access: RoomAccess): MessageFacts {
  if (!message || message.deleted || !access.room || (!access.isMember && access.room.kind !== 'public')) {
    throw new NotFoundError('No such message.');
  }
  return message;
}

/** Edits one's own message. */
export function decideEdit(
  command: { readonly messageId: string; readonly body: string; readonly actor: string },
  state: { readonly message: MessageFacts | undefined; readonly access: RoomAccess },
): NewChatEvent[] {
  const message = requireVisibleMessage(state.message, state.access);
  if (message.authorId !== command.actor) throw new ForbiddenError('You can only edit your own messages.');
  if (!state.access.isMember) throw new ForbiddenError('Join the room before posting in it.', 'not_a_member');
  return [
    {
      stream: roomStream(message.roomId),
      type: 'message.edited',
      data: { messageId: command.messageId, roomId: message.roomId, body: command.body },
    },
  ];
}

/** Deletes one's own message; admins may delete any they can see. Deleting twice records nothing. */
export function decideDelete(
  command: { readonly messageId: string; readonly actor: string; readonly actorIsAdmin: boolean },
  state: { readonly message: MessageFacts | undefined; readonly access: RoomAccess },
): NewChatEvent[] {
  if (state.message?.deleted && state.message.authorId === command.actor) return [];
  const message = requireVisibleMessage(state.message, state.access);
  if (message.authorId !== command.actor && !command.actorIsAdmin) {
    throw new ForbiddenError('You can only delete your own messages.');
  }
  return [
    { stream: roomStream(message.roomId), type: 'message.deleted', data: { messageId: command.messageId, roomId: message.roomId } },
  ];
}

/** Adds a reaction; adding the same one twice records nothing. */
export function decideReact(
  command: { readonly messageId: string; readonly emoji: string },
  state: { readonly message: MessageFacts | undefined; readonly access: RoomAccess; readonly alreadyReacted: boolean },
): NewChatEvent[] {
  const message = requireVisibleMessage(state.message, state.access);
  requireMember(state.access);
  if (state.alreadyReacted) return [];
  return [
    {
      stream: roomStream(message.roomId),
      type: 'reaction.added',
      data: { messageId: command.messageId, roomId: message.roomId, emoji: command.emoji },
    },
  ];
}

/** Marks a room read up to `position` (clamped to the room's head); never moves backwards. */
export function decideRead(
  command: { readonly roomId: string; readonly position: number },
  state: { readonly access: RoomAccess; readonly lastRead: number; readonly roomHead: number },
): NewChatEvent[] {
  if (!state.access.room || !state.access.isMember) throw new NotFoundError('No such room.');
  const position = Math.min(command.position, state.roomHead);
  if (position <= state.lastRead) return [];
  return [{ stream: roomStream(command.roomId), type: 'receipt.read', data: { roomId: command.roomId, position } }];
}

/** At most one typing event per member per room in this window. */
export const TYPING_INTERVAL_MS = 3000;

/**
 * Says the actor is typing in a room they belong to, unless they already did
 * less than 3 s ago (`lastTypingAt`, from any node). Live only: never replayed.
 */
export function decideTyping(
  command: { readonly roomId: string; readonly now: Date },
  state: { readonly access: RoomAccess; readonly lastTypingAt: Date | null },
): NewChatEvent[] {
  requireMember(state.access);
  if (state.lastTypingAt && command.now.getTime() - state.lastTypingAt.getTime() < TYPING_INTERVAL_MS) return [];
  return [{ stream: roomStream(command.roomId), type: 'user.typing', data: { roomId: command.roomId } }];
}
