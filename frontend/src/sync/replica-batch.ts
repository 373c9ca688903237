import type { MemberRow, MessageRow, Replica, RoomRow, UserRow } from '../db/replica';

/** What a batch reads up front (see `ReplicaBatch.load`). */
export interface BatchReads {
  rooms?: readonly string[];
  messages?: readonly string[];
  users?: readonly string[];
  /** Positions of events in `rooms` that may create timeline items: every item stored there in those rooms is read. */
  items?: { readonly from: number; readonly to: number };
}

/**
 * The rooms, messages and memberships a batch of events reads and writes,
 * held in memory for the length of one IndexedDB transaction: read in one
 * round of bulk requests up front, written in one `bulkPut` per table at the
 * end. Requests, not bytes, are what IndexedDB charges for (a few requests
 * per event made a 10,000-event catch-up take half a minute), and every
 * awaited request leaves the page idle until IndexedDB answers, behind the
 * socket's frames queued meanwhile.
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
  readonly #users = new Map<string, UserRow | null>();
  readonly #changedMessages = new Set<string>();
  readonly #changedRooms = new Set<string>();
  /** Memberships to write (`joined`) or delete, by room and user: the last change of each wins. */
  readonly #members = new Map<string, { readonly row: MemberRow; readonly joined: boolean }>();
  /** Rooms whose read position moved: their unread count is recounted from the table at the next flush. */
  readonly #recount = new Map<string, string>();
  #items = { from: Infinity, to: -Infinity };

  /** `db` must be inside the caller's read-write transaction over rooms, messages and members. */
  constructor(readonly db: Replica) {}

  /**
   * Reads rows not read yet, all in one round of requests. A timeline item's
   * row always carries the position of the event that created it (the event
   * itself, the ack of its command, a history page), so after reading every
   * item stored at `items`' positions, an item of an event there that was
   * not found is new.
   */
  async load({ rooms = [], messages = [], users = [], items }: BatchReads): Promise<void> {
    const newRooms = rooms.filter((id) => !this.#rooms.has(id));
    const newMessages = messages.filter((id) => !this.#messages.has(id));
    const newUsers = users.filter((id) => !this.#users.has(id));
    if (!items && newRooms.length + newMessages.length + newUsers.length === 0) return;
    // One range per room on the timeline's index: a global `position` index would cost every stored message a write.
    const itemsIn = (room: string) => this.db.messages.where('[roomId+position]').between([room, items!.from], [room, items!.to], true, true).toArray();
    const [held, roomRows, messageRows, userRows] = await Promise.all([
      items ? Promise.all(rooms.map(itemsIn)) : [],
      this.db.rooms.bulkGet(newRooms),
      this.db.messages.bulkGet(newMessages),
      this.db.users.bulkGet(newUsers),
    ]);
    if (items) this.#items = items;
    for (const row of held.flat()) if (!this.#messages.has(row.id)) this.#messages.set(row.id, row);
    // A message both in a range and asked for by id keeps the range's row object (the same row, read twice).
    newMessages.forEach((id, i) => this.#messages.has(id) || this.#messages.set(id, messageRows[i] ?? null));
    newRooms.forEach((id, i) => this.#rooms.set(id, roomRows[i] ?? null));
    newUsers.forEach((id, i) => this.#users.set(id, userRows[i] ?? null));
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

  /** A loaded user; undefined when the replica does not know them. */
  user(id: string): UserRow | undefined {
    return this.#users.get(id) ?? undefined;
  }

  putMember(row: MemberRow): void {
    this.#members.set(JSON.stringify([row.roomId, row.userId]), { row, joined: true });
  }

  deleteMember(roomId: string, userId: string): void {
    this.#members.set(JSON.stringify([roomId, userId]), { row: { roomId, userId }, joined: false });
  }

  /**
   * Moves a loaded room's read position; its unread count is recounted from
   * the table (messages after it, not `me`'s, not deleted) when the batch is
   * flushed, so later events of the batch are counted without a query each.
   */
  markRead(roomId: string, position: number, me: string): void {
    const room = this.room(roomId);
    if (!room || position <= room.readPosition) return;
    this.putRoom({ ...room, readPosition: position });
    this.#recount.set(roomId, me);
  }

  /**
   * Writes the rows changed so far (still inside the transaction: nothing is visible until it commits), in one
   * round of requests, or two when unread counts are due (they are read along with the writes).
   */
  async flush(): Promise<void> {
    const messages = this.#take(this.#changedMessages, this.#messages);
    const members = [...this.#members.values()];
    this.#members.clear();
    const writes = [
      this.db.messages.bulkPut(messages),
      this.db.members.bulkPut(members.filter((m) => m.joined).map((m) => m.row)),
      this.db.members.bulkDelete(members.filter((m) => !m.joined).map((m): [string, string] => [m.row.roomId, m.row.userId])),
    ];
    if (this.#recount.size > 0) {
      const recount = [...this.#recount];
      this.#recount.clear();
      const [unread] = await Promise.all([Promise.all(recount.map(([roomId, me]) => this.#unreadAfter(roomId, this.#rooms.get(roomId)!.readPosition, me, messages))), ...writes]);
      recount.forEach(([roomId], i) => this.putRoom({ ...this.#rooms.get(roomId)!, unread: unread[i]! }));
    }
    await Promise.all([...writes, this.db.rooms.bulkPut(this.#take(this.#changedRooms, this.#rooms))]);
  }

  /** Forgets a room and its messages, changed or not, as the caller deletes them from `db`. */
  forgetRoom(roomId: string): void {
    this.#rooms.set(roomId, null);
    this.#changedRooms.delete(roomId);
    this.#recount.delete(roomId);
    for (const [id, row] of this.#messages) {
      if (row?.roomId !== roomId) continue;
      this.#messages.set(id, null);
      this.#changedMessages.delete(id);
    }
    for (const [key, { row }] of this.#members) if (row.roomId === roomId) this.#members.delete(key);
  }

  #take<T>(changed: Set<string>, rows: Map<string, T | null>): T[] {
    const taken = [...changed].map((id) => rows.get(id)!);
    changed.clear();
    return taken;
  }

  /**
   * Messages after `position` in the room that are not `me`'s and not deleted: the stored ones (one `getAll`; a
   * filtered count would walk a cursor, a request per row) as `written` leaves them, whether or not the read runs
   * after those writes.
   */
  async #unreadAfter(roomId: string, position: number, me: string, written: readonly MessageRow[]): Promise<number> {
    const stored = await this.db.messages.where('[roomId+position]').between([roomId, position + 1], [roomId, Infinity]).toArray();
    const after = new Map(stored.map((m) => [m.id, m]));
    for (const m of written) if (m.roomId === roomId && m.position > position) after.set(m.id, m);
    return [...after.values()].filter((m) => m.authorId !== me && !m.deleted).length;
  }
}
