import type { MessageRow, Replica, RoomRow } from '../db/replica';

/** What a batch reads up front (see `ReplicaBatch.load`). */
export interface BatchReads {
  rooms?: readonly string[];
  messages?: readonly string[];
  /** Positions of events in `rooms` that may create timeline items: every item stored there in those rooms is read. */
  items?: { readonly from: number; readonly to: number };
}

/**
 * The rooms and messages a batch of events reads and writes, held in memory
 * for the length of one IndexedDB transaction: read in a few bulk requests
 * up front, written in one `bulkPut` per table at the end. Requests, not
 * bytes, are what IndexedDB charges for (a few requests per event made a
 * 10,000-event catch-up take half a minute).
 *
 * Lookups are synchronous, so applying an event that only touches loaded rows
 * awaits nothing: Dexie keeps its transaction across native `await`s only a
 * limited number of times without a request in between. Handlers that query
 * the tables themselves (ranges, counts) call `flush()` first so the queries
 * see the batch's changes, and change cached rows only through this object.
 */
export class ReplicaBatch {
  /** Rows by id; `null` means known to be absent. */
  readonly #messages = new Map<string, MessageRow | null>();
  readonly #rooms = new Map<string, RoomRow | null>();
  readonly #changedMessages = new Set<string>();
  readonly #changedRooms = new Set<string>();
  #items = { from: Infinity, to: -Infinity };

  /** `db` must be inside the caller's read-write transaction over rooms and messages. */
  constructor(readonly db: Replica) {}

  /**
   * Reads rows not read yet, in one request per kind. A timeline item's row
   * always carries the position of the event that created it (the event
   * itself, the ack of its command, a history page), so after reading every
   * item stored at `items`' positions, an item of an event there that was
   * not found is new.
   */
  async load({ rooms = [], messages = [], items }: BatchReads): Promise<void> {
    const newRooms = rooms.filter((id) => !this.#rooms.has(id));
    // One range per room on the timeline's index: a global `position` index would cost every stored message a write.
    const itemsIn = (room: string) => this.db.messages.where('[roomId+position]').between([room, items!.from], [room, items!.to], true, true).toArray();
    const [held, roomRows] = await Promise.all([items ? Promise.all(rooms.map(itemsIn)) : [], this.db.rooms.bulkGet(newRooms)]);
    if (items) this.#items = items;
    for (const row of held.flat()) if (!this.#messages.has(row.id)) this.#messages.set(row.id, row);
    newRooms.forEach((id, i) => this.#rooms.set(id, roomRows[i] ?? null));
    const newMessages = messages.filter((id) => !this.#messages.has(id));
    if (newMessages.length === 0) return;
    const rows = await this.db.messages.bulkGet(newMessages);
    newMessages.forEach((id, i) => this.#messages.set(id, rows[i] ?? null));
  }

  /** A loaded message (or one this batch created); undefined when it is not stored. */
  message(id: string): MessageRow | undefined {
    return this.#messages.get(id) ?? undefined;
  }

  /** The stored row of the timeline item that the event at `position` (within `load`'s `items`) creates, if any. */
  itemCreatedAt(id: string, position: number): MessageRow | undefined {
    if (position < this.#items.from || position > this.#items.to) throw new Error(`position ${position} was not loaded`);
    return this.message(id);
  }

  putMessage(row: MessageRow): void {
    this.#messages.set(row.id, row);
    this.#changedMessages.add(row.id);
  }

  /** A loaded room; undefined when the user is not in it. */
  room(id: string): RoomRow | undefined {
    return this.#rooms.get(id) ?? undefined;
  }

  putRoom(row: RoomRow): void {
    this.#rooms.set(row.id, row);
    this.#changedRooms.add(row.id);
  }

  /** Writes the rows changed so far (still inside the transaction: nothing is visible until it commits). */
  async flush(): Promise<void> {
    const messages = [...this.#changedMessages].map((id) => this.#messages.get(id)!);
    const rooms = [...this.#changedRooms].map((id) => this.#rooms.get(id)!);
    this.#changedMessages.clear();
    this.#changedRooms.clear();
    await Promise.all([this.db.messages.bulkPut(messages), this.db.rooms.bulkPut(rooms)]);
  }

  /** Forgets a room and its messages, changed or not, as the caller deletes them from `db`. */
  forgetRoom(roomId: string): void {
    this.#rooms.set(roomId, null);
    this.#changedRooms.delete(roomId);
    for (const [id, row] of this.#messages) {
      if (row?.roomId !== roomId) continue;
      this.#messages.set(id, null);
      this.#changedMessages.delete(id);
    }
  }
}
