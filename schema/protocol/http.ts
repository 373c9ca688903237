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

export const id = z.uuid('must be a UUID');
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
