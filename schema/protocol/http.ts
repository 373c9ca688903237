import { z } from 'zod';
import type { UploadDto } from './uploads';

/** 3–32 characters of letters, digits, `_`, `.`, `-`; unique without regard to case. */
export const username = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{3,32}$/, 'must be 3-32 characters of a-z, 0-9, _ . -');

export const password = z.string().min(8, 'must be at least 8 characters').max(256, 'must be at most 256 characters');

/**
 * Whether `s` has at most `max` code points, counted as `[...s].length`
 * counts them (a surrogate pair is one, a lone surrogate one), without
 * building that array: every WebSocket send frame passes here.
 */
export function atMostCodePoints(s: string, max: number): boolean {
  // Never more code points than UTF-16 units, never fewer than half.
  if (s.length <= max) return true;
  if (s.length > 2 * max) return false;
  let count = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count -= 1;
        i += 1;
      }
    }
  }
  return count <= max;
}

/** 1–4000 characters (Unicode code points), not only white space. */
export const messageBody = z
  .string()
  .refine((s) => s.trim().length > 0, 'must not be empty')
  .refine((s) => atMostCodePoints(s, 4000), 'must be at most 4000 characters');

/** One emoji or a short :shortcode:, no white space. */
export const emoji = z
  .string()
  .min(1)
  .refine((s) => atMostCodePoints(s, 32) && !/\s/.test(s), 'must be one emoji or a short code without spaces');

export const roomName = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'must not be empty').max(80, 'must be at most 80 characters'));

/** Hex digit flags by character code (ASCII only). */
const HEX_DIGIT = new Uint8Array(128).map((_, code) => Number(/[0-9a-fA-F]/.test(String.fromCharCode(code))));
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/**
 * Whether `s` is a UUID as zod's `z.uuid()` accepts one (RFC 9562: version
 * 1–8 and the variant's 8, 9, a or b, in either case; or the nil or max
 * UUID), checked a character at a time: every frame, request and replayed
 * event has one or more, and zod's regular expression cost a replay about
 * 0.25 µs per id.
 */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const code = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23 ? code !== 0x2d : code > 0x7f || HEX_DIGIT[code] === 0) return false;
  }
  const version = s.charCodeAt(14);
  const variant = s.charCodeAt(19) | 0x20;
  return (version >= 0x31 && version <= 0x38 && variant >= 0x38 && (variant <= 0x39 || variant === 0x61 || variant === 0x62)) || s === NIL_UUID || s === MAX_UUID;
}

export const id = z.string().refine(isUuid, 'must be a UUID');
export const position = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const registerBody = z.object({ username, password });
export const loginBody = z.object({ username: z.string().max(64), password: z.string().max(256), remember: z.boolean().optional() });
export const tokenBody = z.object({ username: z.string().max(64), password: z.string().max(256) });
export const createUserBody = z.object({ username, password, isAdmin: z.boolean().optional() });

export const createRoomBody = z.object({ name: roomName, kind: z.enum(['public', 'private']).optional() });
export const usernameBody = z.object({ username: z.string().min(1).max(64) });

export const sendMessageBody = z.object({ id, body: messageBody });
export const editMessageBody = z.object({ id: id.optional(), body: messageBody });
export const commandBody = z.object({ id: id.optional() });
export const reactBody = z.object({ id: id.optional(), emoji });
export const readBody = z.object({ position });

const positiveIntFromQuery = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const messagesQuery = z.object({
  before: positiveIntFromQuery.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const usersQuery = z.object({ query: z.string().max(64).default('') });

/** A user as every route shows one. */
export interface UserDto {
  id: string;
  username: string;
  isAdmin: boolean;
}

export interface RoomDto {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'dm';
  unread: number;
  lastPosition: number;
  /** Who created the room (null: the system); in the caller's own rooms (`GET /api/rooms`) only. */
  createdBy?: string | null;
}

export interface MessageDto {
  id: string;
  position: number;
  room: string;
  author: { id: string; username: string };
  body: string | null;
  at: string;
  editedAt?: string;
  deleted?: boolean;
  /** The author was erased (crypto-erasure): `body` is `null` and can never be recovered. */
  erased?: boolean;
  reactions?: { emoji: string; users: string[] }[];
  /** Set when the item is an upload (`file.uploaded`); `body` is then empty unless edited. */
  upload?: UploadDto;
}

/** The body of every 4xx/5xx answer. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; [key: string]: unknown };
}
