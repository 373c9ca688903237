import type { Kysely } from 'kysely';
import { BatchLoader } from '../db/batch-loader';
import type { Database } from '../db/types';
import { loadRoomAccesses, type RoomAccessState } from './access';

/**
 * `loadRoomAccess` for many concurrent callers (edits, reactions, reads, typing, history; a send is checked by the
 * append itself): a removal committed before a command is seen by that command.
 */
export class RoomAccessLoader extends BatchLoader<{ readonly roomId: string; readonly userId: string }, RoomAccessState> {
  constructor(db: Kysely<Database>) {
    super((lookups) => loadRoomAccesses(db, lookups));
  }
}
