import { auditEventSchemas } from './audit/events';
import { SYSTEM_KEY_OWNER } from './crypto/keyring';
import type { EventOf, NewEvent, RecordedEvent } from './eventstore/event';
import { identityEventSchemas } from './identity/events';
import { messageEventSchemas } from './messages/events';
import { roomEventSchemas } from './rooms/events';
import { uploadEventSchemas } from './uploads/events';

/** Every event type the log may hold, with the schema its decrypted payload must match. */
export const eventSchemas = {
  ...identityEventSchemas,
  ...roomEventSchemas,
  ...messageEventSchemas,
  ...auditEventSchemas,
  ...uploadEventSchemas,
} as const;

/** The discriminated union of all ChatterLink events. */
export type ChatEvent = EventOf<typeof eventSchemas>;
export type EventType = ChatEvent['type'];
export type NewChatEvent = NewEvent<ChatEvent>;
export type RecordedChatEvent = RecordedEvent<ChatEvent>;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

/** Validates a decrypted payload against its type's schema (the DB-row boundary). */
export function parseEventData(type: string, data: unknown): ChatEvent {
  if (!isEventType(type)) throw new Error(`unknown event type ${type}`);
  return { type, data: eventSchemas[type].parse(data) } as ChatEvent;
}

/**
 * Whose data key seals an event: the person the payload is about, so that
 * erasing them destroys exactly their content. Room structure (names, who
 * joined) belongs to the room, not to one member, and is sealed by the system.
 */
export function dataSubjectOf(event: ChatEvent, actor: string | null): string {
  switch (event.type) {
    case 'user.registered':
    case 'session.started':
    case 'session.ended':
      return event.data.userId;
    case 'room.created':
    case 'room.joined':
    case 'room.left':
    case 'audit.read':
    case 'user.erased':
    case 'room.author_erased':
      return SYSTEM_KEY_OWNER;
    default:
      return actor ?? SYSTEM_KEY_OWNER;
  }
}
