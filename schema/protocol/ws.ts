import { z } from 'zod';
import { emoji, id, messageBody, position } from './http';

/** Largest text frame either side sends: 64 KiB. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Frames a client sends, one schema per frame type (the contract's WebSocket table). */
export const clientFrame = z.discriminatedUnion('type', [
  // `batch`: the client also reads `events` frames (several catch-up events in one frame; see docs/protocol.md).
  z.object({ type: z.literal('hello'), since: position, batch: z.boolean().optional() }),
  z.object({ type: z.literal('send'), id, room: id, body: messageBody }),
  z.object({ type: z.literal('edit'), id, message: id, body: messageBody }),
  z.object({ type: z.literal('delete'), id, message: id }),
  z.object({ type: z.literal('react'), id, message: id, emoji }),
  z.object({ type: z.literal('read'), room: id, position }),
  z.object({ type: z.literal('typing'), room: id }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

/** One event of the log, as a client sees it. */
export interface EventFrame {
  type: 'event';
  position: number;
  event: string;
  room: string;
  actor: string | null;
  at: string;
  data: Record<string, unknown>;
}

/** Several consecutive catch-up events in one frame, for a client whose `hello` asked for them with `batch`. */
export interface EventsFrame {
  type: 'events';
  events: EventFrame[];
}

export type ServerFrame =
  | EventFrame
  | EventsFrame
  | { type: 'ready'; position: number }
  | { type: 'ack'; id: string; position: number | null; duplicate?: boolean }
  | { type: 'presence'; user: string; online: boolean }
  | { type: 'error'; id?: string; code: string; message: string; field?: string }
  | { type: 'pong' };

/** WebSocket close codes of the contract. */
export const CLOSE = {
  notAuthenticated: 4401,
  forbiddenOrigin: 4403,
  tooLarge: 1009,
  policy: 1008,
  goingAway: 1001,
} as const;
