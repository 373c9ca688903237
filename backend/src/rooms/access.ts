import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { RoomFacts } from './decide';
import { membershipId } from './projections/memberships';

/** Where a user stands in a room; a room they may not see is reported as absent. */
export interface RoomAccessState {
  readonly room: RoomFacts | undefined;
  readonly isMember: boolean;
}

/**
 * Loads a room and the user's membership, in one statement (one round trip:
 * it runs before every send). Private rooms and DMs exist only for their members.
 */
export async function loadRoomAccess(db: Kysely<Database>, roomId: string, userId: string): Promise<RoomAccessState> {
  const { rows } = await sql<{ kind: RoomFacts['kind'] | null; member: boolean }>`
    select (select kind from rooms where id = ${roomId}) as kind,
      exists (select 1 from memberships where id = ${membershipId(roomId, userId)}) as member`.execute(db);
  const { kind, member } = rows[0]!;
  return accessOf(kind, member);
}

/** Access from a room's kind (`null`: no such room) and whether the user is a member. */
export function accessOf(kind: RoomFacts['kind'] | null, member: boolean): RoomAccessState {
  return { room: kind !== null && (member || kind === 'public') ? { kind } : undefined, isMember: member };
}
