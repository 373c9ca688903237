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

/** One statement for the distinct users asked about (tabs of one user ask alike); the ids travel as one JSON parameter. */
async function roomsOfMany(db: Kysely<Database>, userIds: readonly string[]): Promise<(readonly string[])[]> {
  const distinct = [...new Set(userIds)];
  const { rows } = await sql<{ user_id: string; room_id: string }>`
    select user_id, room_id from memberships
    where user_id in (select json_array_elements_text(${JSON.stringify(distinct)}::json))`.execute(db);
  const roomsByUser = new Map<string, string[]>(distinct.map((id) => [id, []]));
  for (const row of rows) roomsByUser.get(row.user_id)!.push(row.room_id);
  return userIds.map((id) => roomsByUser.get(id)!);
}
