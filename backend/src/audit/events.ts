import { id } from '@chatterlink/schema/protocol';
import { z } from 'zod';
import type { EventOf } from '../eventstore/event';

/** The stream of the audit trail: every admin read of the log. */
export const AUDIT_STREAM = 'audit';

/** Events of auditing and erasure; sealed with the system key so they outlive any one person's erasure. */
export const auditEventSchemas = {
  /** An admin read the log: browsed a page, exported, or verified the chain. */
  'audit.read': z.object({
    kind: z.enum(['browse', 'export', 'verify']),
    /** The filter as given (positions, stream, types, actor, times), for "who looked at what". */
    filter: z.record(z.string(), z.string()),
  }),
  /**
   * A person was erased: their data key is destroyed right after this event.
   * `redactions` keeps, per event their key sealed, the payload with every
   * personal field blanked, so projections can still be rebuilt from the log.
   */
  'user.erased': z.object({
    userId: id,
    redactions: z.array(z.object({ position: z.number().int().positive(), data: z.record(z.string(), z.unknown()) })),
  }),
  /**
   * In each room where an erased person wrote or was a member: tells every
   * member's client (live and in catch-up) to drop the copies it cached.
   */
  'room.author_erased': z.object({ roomId: id, userId: id }),
} as const;

export type AuditEvent = EventOf<typeof auditEventSchemas>;
