import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import type { ProjectedRows } from '../eventstore/projected-rows';
import type { RoomFacts } from './decide';
import { membershipId } from './projections/memberships';

/** Where a user stands in a room; a room they may not see is reported as absent. */
export interface RoomAccessState {
  readonly room: RoomFacts | undefined;
  readonly isMember: boolean;
}

/**
 * Loads a room and the user's membership, in one statement. Private rooms and
 * DMs exist only for their members.
 */
export async function loadRoomAccess(db: Kysely<Database>, roomId: string, userId: string): Promise<RoomAccessState> {
  return (await loadRoomAccesses(db, [{ roomId, userId }]))[0]!;
}

/**
 * `loadRoomAccess` for many (room, user) pairs in one statement, answers in
 * the order asked; the list travels as one JSON parameter.
 */
export async function loadRoomAccesses(
  db: Kysely<Database>,
  lookups: readonly { readonly roomId: string; readonly userId: string }[],
): Promise<RoomAccessState[]> {
  const pairs = lookups.map((l) => ({ room_id: l.roomId, membership_id: membershipId(l.roomId, l.userId) }));
  const { rows } = await sql<{ kind: RoomFacts['kind'] | null; member: boolean }>`
    select (select kind from rooms where id = q.room_id) as kind,
      exists (select 1 from memberships where id = q.membership_id) as member
    from rows from (json_to_recordset(${JSON.stringify(pairs)}::json) as (room_id text, membership_id text)) with ordinality as q(room_id, membership_id, n)
    order by q.n`.execute(db);
  if (rows.length !== lookups.length) throw new Error('room access lookup answered a different number of rows');
  return rows.map((row) => accessOf(row.kind, row.member));
}

/**
 * `loadRoomAccess` decided on the rows an event store batch decides on
 * (checked current under its append lock): only for events that touch the
 * room's row and the user's membership (as `message.sent` does), since rows
 * not loaded look absent.
 */
export function roomAccessIn(rows: ProjectedRows, roomId: string, userId: string): RoomAccessState {
  const room = rows.row('rooms', roomId);
  return accessOf(room ? (room.kind as RoomFacts['kind']) : null, rows.row('memberships', membershipId(roomId, userId)) !== undefined);
}

/** Access from a room's kind (`null`: no such room) and whether the user is a member. */
function accessOf(kind: RoomFacts['kind'] | null, member: boolean): RoomAccessState {
  return { room: kind !== null && (member || kind === 'public') ? { kind } : undefined, isMember: member };
}
