import { toAppError } from '../errors/classify';
import { UnavailableError } from '../errors/errors';
import { GroupCommitter } from '../eventstore/group-commit';

const MAX_LOOKUPS_PER_STATEMENT = 512;

/**
 * A lookup made by many concurrent callers (every command, every handshake):
 * while one statement runs, new lookups queue and the next statement answers
 * them all, so a burst costs a few round trips and pool connections instead
 * of one each. Every answer comes from a statement that started after its
 * lookup was asked for, so a change committed before a lookup is seen by it.
 */
export class BatchLoader<Key, Value> {
  readonly #batches: GroupCommitter<Key, Value>;

  /** `loadMany` answers every key, in the order asked, from one statement. */
  constructor(loadMany: (keys: readonly Key[]) => Promise<readonly Value[]>) {
    this.#batches = new GroupCommitter(
      async (keys) => (await loadMany(keys)).map((value) => ({ ok: true, value })),
      MAX_LOOKUPS_PER_STATEMENT,
      // The database being away fails the whole batch at once; anything else is retried one lookup at a time.
      (error) => !(toAppError(error) instanceof UnavailableError),
    );
  }

  /** The answer for `key`, from a statement started after this call. */
  load(key: Key): Promise<Value> {
    return this.#batches.submit(key);
  }
}
