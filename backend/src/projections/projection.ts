import type { ProjectionRow, ProjectionTable } from '../db/types';
import type { RecordedChatEvent } from '../events';

/**
 * A read model as a pure fold over events, one table at a time. Every
 * projection table has a text primary key `id`; the drivers load the rows an
 * event names, evolve them in position order and write back what changed.
 */
export interface Projection<T extends ProjectionTable = ProjectionTable> {
  readonly table: T;
  /** Ids of the rows this event may change (none for unrelated events). */
  keys(event: RecordedChatEvent): readonly string[];
  /**
   * Of `keys`, the ids whose rows this event is expected to bring into being
   * (a new message's, a new session's). An append may take them for absent
   * without reading them: it checks under its lock that none exists, and a
   * wrong guess only costs it a second try. Optional: none.
   */
  fresh?(event: RecordedChatEvent): readonly string[];
  /** The row's next state; `undefined` means the row does not (or no longer) exist. Pure. */
  evolve(row: ProjectionRow<T> | undefined, event: RecordedChatEvent, id: string): ProjectionRow<T> | undefined;
  /**
   * True when a row, once a page of the log has passed without changing it,
   * rarely changes again (a message: edits and deletes are few and come
   * soon). A replay then keeps such rows only in the database it loads (see
   * `SettledRows`). Optional: no.
   */
  readonly rowsSettle?: boolean;
}

/** Where the fold sends an event for a row it does not hold but a replay has written out (see `SettledRows`). */
export interface LateRows {
  claims(id: string): boolean;
  defer(id: string, event: RecordedChatEvent): void;
}

/**
 * Folds `events` into `state` (a map from row id to row), recording in
 * `changed` each id whose row changed, with whether that row existed before
 * these events. An event for an id that `state` lacks and `late` claims goes
 * to `late` instead.
 */
export function foldInto<T extends ProjectionTable>(
  projection: Projection<T>,
  state: Map<string, ProjectionRow<T>>,
  events: readonly RecordedChatEvent[],
  changed?: Map<string, boolean>,
  late?: LateRows,
): void {
  for (const event of events) {
    for (const id of projection.keys(event)) {
      const current = state.get(id);
      if (current === undefined && late?.claims(id)) {
        late.defer(id, event);
        continue;
      }
      const next = projection.evolve(current, event, id);
      // Evolve returns its input untouched when the event changes nothing.
      if (next === current) continue;
      if (next) state.set(id, next);
      else state.delete(id);
      if (changed && !changed.has(id)) changed.set(id, current !== undefined);
    }
  }
}
