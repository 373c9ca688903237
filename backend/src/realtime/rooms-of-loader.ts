import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import { toAppError } from '../errors/classify';
import { UnavailableError } from '../errors/errors';
import { GroupCommitter, type Outcome } from '../eventstore/group-commit';

const MAX_LOOKUPS_PER_STATEMENT = 512;

/**
 * The rooms a user is in, for many concurrent askers (every `hello`, every
 * presence change): while one statement runs, new lookups queue and the next
 * statement answers them all, so a crowd of sockets opening at once costs a
 * few round trips instead of one each. Every answer comes from a statement
 * that started after its lookup was asked for: a join committed before a
 * `hello` is seen by it.
 */
export class RoomsOfLoader {
  readonly #batches: GroupCommitter<string, readonly string[]>;

  constructor(db: Kysely<Database>) {
    this.#batches = new GroupCommitter(
      (userIds) => loadMany(db, userIds),
      MAX_LOOKUPS_PER_STATEMENT,
      (error) => !(toAppError(error) instanceof UnavailableError),
    );
  }

  /** Ids of the rooms `userId` is a member of. */
  load(userId: string): Promise<readonly string[]> {
    return this.#batches.submit(userId);
  }
}

/** One statement for the distinct users asked about (tabs of one user ask alike); the ids travel as one JSON parameter. */
async function loadMany(db: Kysely<Database>, userIds: readonly string[]): Promise<Outcome<readonly string[]>[]> {
  const distinct = [...new Set(userIds)];
  const { rows } = await sql<{ user_id: string; room_id: string }>`
    select user_id, room_id from memberships
    where user_id in (select json_array_elements_text(${JSON.stringify(distinct)}::json))`.execute(db);
  const roomsByUser = new Map<string, string[]>(distinct.map((id) => [id, []]));
  for (const row of rows) roomsByUser.get(row.user_id)!.push(row.room_id);
  return userIds.map((id) => ({ ok: true, value: roomsByUser.get(id)! }));
}
