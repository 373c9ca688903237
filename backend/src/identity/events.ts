import { id } from '@chatterlink/schema/protocol';
import { z } from 'zod';
import type { EventOf } from '../eventstore/event';

/** Events of the identity context; all live in the stream `user-<userId>`. */
export const identityEventSchemas = {
  'user.registered': z.object({
    userId: id,
    username: z.string(),
    /** scrypt hash string; sealed in the log, never sent to clients. */
    passwordHash: z.string(),
    isAdmin: z.boolean(),
  }),
  'session.started': z.object({
    sessionId: id,
    userId: id,
    expiresAt: z.iso.datetime(),
    remember: z.boolean(),
    client: z.enum(['browser', 'token']),
  }),
  'session.ended': z.object({
    sessionId: id,
    userId: id,
    reason: z.enum(['logout', 'revoked']),
  }),
} as const;

export type IdentityEvent = EventOf<typeof identityEventSchemas>;

export const userStream = (userId: string) => `user-${userId}`;
