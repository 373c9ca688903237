import type { NewChatEvent } from '../events';
import { requireMember, type RoomAccess } from '../messages/decide';
import { roomStream } from '../rooms/events';
import type { FileUploaded } from './events';

/**
 * Records an upload whose bytes are already stored (sealed) under its id.
 * Only members may upload; rooms the actor cannot see look absent.
 */
export function decideUpload(command: FileUploaded, access: RoomAccess): NewChatEvent[] {
  requireMember(access);
  return [{ stream: roomStream(command.roomId), type: 'file.uploaded', data: command }];
}
