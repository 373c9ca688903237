import { id } from '@chatterlink/schema/protocol';
import { z } from 'zod';
import type { EventOf } from '../eventstore/event';

/** Events of the rooms context; all live in the stream `room-<roomId>`. */
export const roomEventSchemas = {
  'room.created': z.object({
    roomId: id,
    name: z.string(),
    kind: z.enum(['public', 'private', 'dm']),
  }),
  /** `userId` joined; when someone else added them, the event's actor is that member. */
  'room.joined': z.object({
    roomId: id,
    userId: id,
  }),
  /** `userId` left; when the room's creator or an admin removed them, the event's actor is that person. */
  'room.left': z.object({
    roomId: id,
    userId: id,
  }),
} as const;

export type RoomEvent = EventOf<typeof roomEventSchemas>;

export const roomStream = (roomId: string) => `room-${roomId}`;
export const ROOM_STREAM_PREFIX = 'room-';
