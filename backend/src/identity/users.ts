import type { UserDto } from '@chatterlink/schema/protocol';
import type { Config } from '../config/config';
import type { ProjectionRow } from '../db/types';

/** The columns of a user row its public view is made of. */
export type UserFacts = Pick<ProjectionRow<'users'>, 'id' | 'username' | 'username_lower' | 'is_admin'>;

/** The public view of a user row: admins are the first account plus ADMIN_USERS. */
export function toUserDto(row: UserFacts, config: Pick<Config, 'adminUsers'>): UserDto {
  return { id: row.id, username: row.username, isAdmin: row.is_admin || config.adminUsers.includes(row.username_lower) };
}
