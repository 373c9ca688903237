import type { Kysely } from 'kysely';
import { BatchLoader } from '../db/batch-loader';
import type { Database } from '../db/types';
import { loadRoomAccesses, type RoomAccessState } from './access';

/** `loadRoomAccess` for many concurrent callers (every send asks): a removal committed before a send is seen by that send. */
export class RoomAccessLoader extends BatchLoader<{ readonly roomId: string; readonly userId: string }, RoomAccessState> {
  constructor(db: Kysely<Database>) {
    super((lookups) => loadRoomAccesses(db, lookups));
  }
}
