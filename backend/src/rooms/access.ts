import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { RoomFacts } from './decide';
import { membershipId } from './projections/memberships';

/** Where a user stands in a room; a room they may not see is reported as absent. */
export interface RoomAccessState {
  readonly room: RoomFacts | undefined;
  readonly isMember: boolean;
}

/** Loads a room and the user's membership. Private rooms and DMs exist only for their members. */
export async function loadRoomAccess(db: Kysely<Database>, roomId: string, userId: string): Promise<RoomAccessState> {
  const [room, membership] = await Promise.all([
    db.selectFrom('rooms').select('kind').where('id', '=', roomId).executeTakeFirst(),
    db.selectFrom('memberships').select('id').where('id', '=', membershipId(roomId, userId)).executeTakeFirst(),
  ]);
  const isMember = membership !== undefined;
  return { room: room && (isMember || room.kind === 'public') ? room : undefined, isMember };
}
