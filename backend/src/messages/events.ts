import { id } from '@chatterlink/schema/protocol';
import { z } from 'zod';
import type { EventOf } from '../eventstore/event';

/** Events of the messages context; they live in their room's stream `room-<roomId>`. */
export const messageEventSchemas = {
  'message.sent': z.object({ messageId: id, roomId: id, body: z.string() }),
  'message.edited': z.object({ messageId: id, roomId: id, body: z.string() }),
  'message.deleted': z.object({ messageId: id, roomId: id }),
  'reaction.added': z.object({ messageId: id, roomId: id, emoji: z.string() }),
  'receipt.read': z.object({ roomId: id, position: z.number().int().nonnegative() }),
  'user.typing': z.object({ roomId: id }),
} as const;

export type MessageEvent = EventOf<typeof messageEventSchemas>;

/** Live-only events: in the log for the record, fanned out, never replayed in catch-up or history. */
export const LIVE_ONLY_EVENT_TYPES: readonly string[] = ['user.typing'];
