// Built with zod/mini: the PWA bundles these schemas, and mini keeps them small.
import * as z from 'zod/mini';
import type { ServerFrame } from './ws';

const position = z.number().check(z.int(), z.nonnegative());

const eventFrame = z.object({
  type: z.literal('event'),
  position,
  event: z.string(),
  room: z.string(),
  actor: z.nullable(z.string()),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/**
 * Frames the server sends, as a client validates them. Lenient about extra
 * fields (servers may extend frames), strict about the ones it relies on.
 */
export const serverFrame = z.discriminatedUnion('type', [
  eventFrame,
  z.object({ type: z.literal('events'), events: z.array(eventFrame) }),
  z.object({ type: z.literal('ready'), position }),
  z.object({ type: z.literal('ack'), id: z.string(), position: z.nullable(position), duplicate: z.optional(z.boolean()) }),
  z.object({ type: z.literal('presence'), user: z.string(), online: z.boolean() }),
  z.object({ type: z.literal('error'), id: z.optional(z.string()), code: z.string(), message: z.string(), field: z.optional(z.string()) }),
  z.object({ type: z.literal('pong') }),
]);

/** Parses one frame; the return type ties the schema to the server's `ServerFrame` so they cannot drift apart. */
export function parseServerFrame(input: unknown): ServerFrame {
  return serverFrame.parse(input);
}

const room = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['public', 'private', 'dm']),
  unread: z.number().check(z.int(), z.nonnegative()),
  lastPosition: position,
  createdBy: z.optional(z.nullable(z.string())),
});

/** `GET /api/rooms`, `GET /api/rooms/public` (with `joined`, `members`). */
export const roomsResponse = z.object({
  rooms: z.array(z.extend(room, { joined: z.optional(z.boolean()), members: z.optional(z.number()) })),
});

/** `POST /api/rooms`, `/join`, `/members`, `POST /api/dms`. */
export const roomResponse = z.object({ room });

/** A message of `GET /api/rooms/:id/messages`; extra fields (e.g. `upload`) are kept. */
export const messageItem = z.looseObject({
  id: z.string(),
  position,
  room: z.string(),
  author: z.object({ id: z.string(), username: z.string() }),
  body: z.nullable(z.string()),
  at: z.string(),
  editedAt: z.optional(z.string()),
  deleted: z.optional(z.boolean()),
  reactions: z.optional(z.array(z.object({ emoji: z.string(), users: z.array(z.string()) }))),
});

export const messagesResponse = z.object({ messages: z.array(messageItem), hasMore: z.boolean() });

const userWithPresence = z.object({ id: z.string(), username: z.string(), online: z.boolean() });
export const usersResponse = z.object({ users: z.array(userWithPresence) });
export const membersResponse = z.object({ members: z.array(userWithPresence) });

export const sessionUser = z.object({ id: z.string(), username: z.string(), isAdmin: z.boolean() });

/** `POST /api/auth/register`, `/login`, `GET /api/me`. */
export const sessionResponse = z.object({ user: sessionUser, csrfToken: z.string() });
