import { ERASED_PASSWORD_HASH, erasedUsername } from '../../audit/redact';
import type { Projection } from '../../projections/projection';

/** Registered accounts; `username_lower` is unique, which makes names unique without regard to case. */
export const usersProjection: Projection<'users'> = {
  table: 'users',
  keys: (event) => (event.type === 'user.registered' || event.type === 'user.erased' ? [event.data.userId] : []),
  evolve(row, event) {
    if (event.type === 'user.erased') {
      // The same values the redacted registration yields, so a replay after the erasure rebuilds this row exactly.
      const username = erasedUsername(event.data.userId);
      return row && { ...row, username, username_lower: username, password_hash: ERASED_PASSWORD_HASH };
    }
    if (event.type !== 'user.registered' || row) return row;
    return {
      id: event.data.userId,
      username: event.data.username,
      username_lower: event.data.username.toLowerCase(),
      password_hash: event.data.passwordHash,
      is_admin: event.data.isAdmin,
      created_at: event.occurredAt,
    };
  },
};
