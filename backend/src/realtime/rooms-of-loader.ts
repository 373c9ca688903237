import { sql, type Kysely } from 'kysely';
import { BatchLoader } from '../db/batch-loader';
import type { Database } from '../db/types';

/**
 * The rooms a user is in, for many concurrent askers (every `hello`, every
 * presence change): a join committed before a `hello` is seen by it.
 */
export class RoomsOfLoader extends BatchLoader<string, readonly string[]> {
  constructor(db: Kysely<Database>) {
    super((userIds) => roomsOfMany(db, userIds));
  }
}

/**
 * One statement for the distinct users asked about (tabs of one user ask
 * alike); the ids travel as one JSON parameter and the answer comes back as
 * one JSON text, each user's rooms in the order asked. A row per membership
 * cost every handshake about 1 KB of driver objects (message, field array,
 * row object, a string per column); those were the garbage a reconnecting
 * crowd's scavenges promoted most. An array, not an object keyed by user id:
 * V8 would make a hidden class per key.
 */
async function roomsOfMany(db: Kysely<Database>, userIds: readonly string[]): Promise<(readonly string[])[]> {
  const distinct = [...new Set(userIds)];
  const { rows } = await sql<{ rooms: string }>`
    select coalesce(json_agg(coalesce(m.rooms, '[]'::json) order by q.n), '[]')::text as rooms
    from rows from (json_array_elements_text(${JSON.stringify(distinct)}::json)) with ordinality as q(user_id, n)
    left join lateral (select json_agg(room_id) as rooms from memberships where user_id = q.user_id) as m on true`.execute(db);
  const rooms = JSON.parse(rows[0]!.rooms) as string[][];
  if (rooms.length !== distinct.length) throw new Error('rooms lookup answered a different number of users');
  if (distinct.length === userIds.length) return rooms;
  const byUser = new Map(distinct.map((id, i) => [id, rooms[i]!]));
  return userIds.map((id) => byUser.get(id)!);
}
