import type { NewChatEvent, RecordedChatEvent } from '../events';
import { userStream } from '../identity/events';
import { roomStream } from '../rooms/events';
import { AUDIT_STREAM } from './events';
import { redactData } from './redact';

/** Filter values as the routes parse them. */
type FilterValues = Readonly<Record<string, string | number | Date | readonly string[] | undefined>>;

/** An admin read of the log, recorded with the filter they used. */
export function decideAuditRead(kind: 'browse' | 'export' | 'verify', filter: FilterValues = {}): NewChatEvent[] {
  const recorded: Record<string, string> = {};
  for (const [name, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    recorded[name] = value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(',') : String(value);
  }
  return [{ type: 'audit.read', stream: AUDIT_STREAM, data: { kind, filter: recorded } }];
}

/** Ends every open session of a person about to be erased (their sockets close on every node). */
export function decideEndSessions(userId: string, openSessionIds: readonly string[]): NewChatEvent[] {
  return openSessionIds.map((sessionId) => ({
    type: 'session.ended',
    stream: userStream(userId),
    data: { sessionId, userId, reason: 'revoked' },
  }));
}

/**
 * Records an erasure, with the redacted payload of every event the person's
 * key sealed (`sealed`, decrypted while the key still exists), and tells each
 * of `roomIds` (where they wrote or were a member) so clients drop their copies.
 */
export function decideErase(userId: string, sealed: readonly RecordedChatEvent[], roomIds: readonly string[] = []): NewChatEvent[] {
  return [
    ...roomIds.map((roomId): NewChatEvent => ({ type: 'room.author_erased', stream: roomStream(roomId), data: { roomId, userId } })),
    {
      type: 'user.erased',
      stream: userStream(userId),
      data: {
        userId,
        redactions: sealed.map((event) => ({
          position: event.position,
          data: redactData(event.type, event.data as Record<string, unknown>, userId),
        })),
      },
    },
  ];
}
