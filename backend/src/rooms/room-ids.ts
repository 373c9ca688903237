import { createHash } from 'node:crypto';

/** A UUID-shaped id derived from a name, so every node and every start agrees on it. */
function derivedId(purpose: string, name: string): string {
  const h = createHash('sha256').update(`chatterlink/${purpose}\0${name}`).digest('hex');
  // Version 8 (custom) with the RFC 4122 variant bits.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The default room's id, a function of its name (DEFAULT_ROOM). */
export const defaultRoomId = (name: string) => derivedId('default-room', name.toLowerCase());

/** The one DM room of a pair of users, whichever of them opens it. */
export const dmRoomId = (a: string, b: string) => derivedId('dm', [a, b].sort().join('\0'));
