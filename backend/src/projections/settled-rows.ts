import type { RecordedChatEvent } from '../events';

/**
 * What a replay does with one table's settled rows: rows that were loaded
 * into the new table and then went a whole page without changing. They leave
 * the fold's memory and live on only in the database; their ids stay. An
 * event that later reaches one of them is deferred: `late` keeps it, with
 * every later event for that id, to be folded in log order over the loaded
 * row at the end. The rows of a projection whose rows settle
 * (`Projection.rowsSettle`: messages) are mostly written once, so the end has
 * little to do, while the fold's map of rows stays small and the heap holds
 * an id instead of a row per message.
 */
export class SettledRows {
  readonly #ids = new Set<string>();
  /** Ids loaded new at the last load: settled at the next one unless they change in between. */
  #loadedLast: string[] = [];
  /** By id, in log order, the events that reached a settled row. */
  readonly late = new Map<string, RecordedChatEvent[]>();

  /** Whether an event for `id`, which the fold's state does not hold, must wait for the end. */
  claims(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Keeps `event` for the end; `claims(id)` was true. */
  defer(id: string, event: RecordedChatEvent): void {
    const events = this.late.get(id);
    if (events) events.push(event);
    else this.late.set(id, [event]);
  }

  /**
   * After a load of the ids in `changed` that inserted the rows of
   * `inserted` (what `TableRewrite.load` answers): settles the rows the load
   * before inserted that have not changed since, and remembers this load's.
   */
  afterLoad(state: Map<string, unknown>, changed: ReadonlyMap<string, unknown>, inserted: string[]): void {
    for (const id of this.#loadedLast) {
      if (changed.has(id)) continue;
      state.delete(id);
      this.#ids.add(id);
    }
    this.#loadedLast = inserted;
  }
}
