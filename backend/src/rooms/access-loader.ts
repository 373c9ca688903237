import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types';
import { toAppError } from '../errors/classify';
import { UnavailableError } from '../errors/errors';
import { GroupCommitter, type Outcome } from '../eventstore/group-commit';
import { accessOf, type RoomAccessState } from './access';
import type { RoomFacts } from './decide';
import { membershipId } from './projections/memberships';

const MAX_LOOKUPS_PER_STATEMENT = 512;

/**
 * `loadRoomAccess` for many concurrent callers (every send asks): while one
 * statement runs, new lookups queue and the next statement answers them all,
 * so a burst of sends costs a few round trips and pool connections instead of
 * one each. Every answer comes from a statement that started after its lookup
 * was asked for: a removal committed before a send is seen by that send.
 */
export class RoomAccessLoader {
  readonly #batches: GroupCommitter<{ roomId: string; userId: string }, RoomAccessState>;

  constructor(db: Kysely<Database>) {
    this.#batches = new GroupCommitter(
      (lookups) => loadMany(db, lookups),
      MAX_LOOKUPS_PER_STATEMENT,
      (error) => !(toAppError(error) instanceof UnavailableError),
    );
  }

  /** Where `userId` stands in `roomId`, as `loadRoomAccess` answers it. */
  load(roomId: string, userId: string): Promise<RoomAccessState> {
    return this.#batches.submit({ roomId, userId });
  }
}

async function loadMany(db: Kysely<Database>, lookups: readonly { roomId: string; userId: string }[]): Promise<Outcome<RoomAccessState>[]> {
  const pairs = lookups.map((l) => ({ room_id: l.roomId, membership_id: membershipId(l.roomId, l.userId) }));
  const { rows } = await sql<{ room_id: string; membership_id: string; kind: RoomFacts['kind'] | null; member: boolean }>`
    select q.room_id, q.membership_id,
      (select kind from rooms where id = q.room_id) as kind,
      exists (select 1 from memberships where id = q.membership_id) as member
    from json_to_recordset(${JSON.stringify(pairs)}::json) as q(room_id text, membership_id text)`.execute(db);
  const byPair = new Map(rows.map((row) => [`${row.room_id}\0${row.membership_id}`, accessOf(row.kind, row.member)]));
  return pairs.map((pair) => {
    const access = byPair.get(`${pair.room_id}\0${pair.membership_id}`);
    return access ? { ok: true, value: access } : { ok: false, error: new Error('room access lookup answered no row') };
  });
}
