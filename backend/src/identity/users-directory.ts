import type { Kysely } from 'kysely';
import type { Database } from '../db/types';

/** Tells whether a user has a live connection; the real-time gateway provides it. */
export interface PresenceView {
  isOnline(userId: string): boolean;
}

/** Nobody is online while no real-time gateway runs. */
export const NO_PRESENCE: PresenceView = { isOnline: () => false };

/** Finds users by part of their name, with their presence. */
export class UsersDirectory {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly presence: () => PresenceView,
  ) {}

  async search(text: string, limit = 50): Promise<{ id: string; username: string; online: boolean }[]> {
    const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('username_lower', 'like', pattern)
      .orderBy('username_lower')
      .limit(limit)
      .execute();
    return this.withPresence(rows);
  }

  /** `users` with whether each has a live connection right now. */
  withPresence<T extends { id: string; username: string }>(users: T[]): { id: string; username: string; online: boolean }[] {
    const presence = this.presence();
    return users.map((u) => ({ id: u.id, username: u.username, online: presence.isOnline(u.id) }));
  }
}
