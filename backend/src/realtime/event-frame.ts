import type { EventFrame } from '@chatterlink/schema/protocol';
import type { RecordedChatEvent } from '../events';
import { ROOM_STREAM_PREFIX } from '../rooms/events';
import { toUploadDto } from '../uploads/dto';

/**
 * The client's view of an event: room events only (identity events carry
 * password hashes and session ids and never leave the server).
 */
export function toEventFrame(event: RecordedChatEvent): EventFrame | undefined {
  if (!event.stream.startsWith(ROOM_STREAM_PREFIX)) return undefined;
  return {
    type: 'event',
    position: event.position,
    event: event.type,
    room: event.stream.slice(ROOM_STREAM_PREFIX.length),
    actor: event.actor,
    at: event.occurredAt.toISOString(),
    // Uploads show as history does (no key ids; the preview as a data URL).
    data:
      event.type === 'file.uploaded'
        ? { uploadId: event.data.uploadId, roomId: event.data.roomId, upload: toUploadDto(event.data) }
        : (event.data as Record<string, unknown>),
  };
}
