/**
 * What an erased person's events keep: the structure projections are built
 * from (ids, rooms, positions, sizes, emoji), never what they wrote, their
 * name, their password hash or their files' names and previews.
 */

/** The username an erased account is shown with; `:` cannot occur in real usernames, so it never collides. */
export function erasedUsername(userId: string): string {
  return `erased:${userId}`;
}

/** Not a valid scrypt hash: no password ever matches it. */
export const ERASED_PASSWORD_HASH = '!erased';

/** Personal text fields, blanked wherever they occur. */
const BLANKED = new Set(['body', 'name']);
/** Optional personal fields, dropped. */
const DROPPED = new Set(['preview']);

/** The payload of `type` by `userId` with every personal field removed or blanked. */
export function redactData(type: string, data: Readonly<Record<string, unknown>>, userId: string): Record<string, unknown> {
  const redacted: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (DROPPED.has(field)) continue;
    redacted[field] = BLANKED.has(field) && typeof value === 'string' ? '' : value;
  }
  if (type === 'user.registered') {
    redacted.username = erasedUsername(userId);
    redacted.passwordHash = ERASED_PASSWORD_HASH;
  }
  return redacted;
}
