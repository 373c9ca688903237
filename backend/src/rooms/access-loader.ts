import type { Kysely } from 'kysely';
import type { Database } from '../db/types';
import { toAppError } from '../errors/classify';
import { UnavailableError } from '../errors/errors';
import { GroupCommitter, type Outcome } from '../eventstore/group-commit';
import { loadRoomAccesses, type RoomAccessState } from './access';

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
  return (await loadRoomAccesses(db, lookups)).map((access) => ({ ok: true, value: access }));
}
