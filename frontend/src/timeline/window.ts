import type { EntityTable } from 'dexie';
import type { MessageRow } from '../db/replica';

/**
 * How many of a room's newest held rows the timeline reads at first: a few screens. Reading the room's whole
 * held history instead made every stored batch re-read all of it (a catch-up of 10,000 events read ~30,000 rows).
 */
export const INITIAL_WINDOW = 300;


/** What the timeline reads: the newest rows of one room, oldest first. */
export interface RoomWindow {
  readonly roomId: string;
  readonly rows: MessageRow[];
}

type Messages = EntityTable<MessageRow, 'id'>;

const inRoom = (messages: Messages, roomId: string) =>
  messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, Infinity]);

/** Reads the newest `size` held rows of `roomId`, oldest first. */
export async function readWindow(messages: Messages, roomId: string, size: number): Promise<RoomWindow> {
  const newestFirst = await inRoom(messages, roomId).reverse().limit(size).toArray();
  return { roomId, rows: newestFirst.reverse() };
}

/** How many rows of `roomId` the replica holds. */
export function heldCount(messages: Messages, roomId: string): Promise<number> {
  return inRoom(messages, roomId).count();
}

/** Where a window must start to show log `position`, and how large it must be. */
export interface WindowReach {
  /** The position of the first row to show (undefined: the room holds nothing). */
  readonly from?: number;
  readonly size: number;
}

/**
 * The window that shows `position`: it starts at the newest held row at or before it (so a position the room does
 * not hold is shown in its place), or at the oldest held row when every held row is newer.
 */
export async function windowReaching(messages: Messages, roomId: string, position: number): Promise<WindowReach> {
  const before = await messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, position], true, true).last();
  const first = before ?? (await inRoom(messages, roomId).first());
  if (!first) return { size: 0 };
  const size = await messages.where('[roomId+position]').between([roomId, first.position], [roomId, Infinity], true, true).count();
  return { from: first.position, size };
}

/**
 * The window size after a scroll to the top: every held row while older ones are held, or, when the window already
 * shows every held row, room for the page about to be fetched (`page` rows older than the `held` ones). Held rows
 * come in at once, not a step at a time: rows added above while the list is scrolled to the very top did not keep
 * the scroll position, and stepwise growth left the timeline e2e test (which scrolls straight to 0) stuck there.
 * What the window saves is the re-read of the whole room on every stored batch while the user reads the newest.
 */
export function grownWindow(size: number, held: number, page: number): { size: number; fetch: boolean } {
  if (held > size) return { size: held, fetch: false };
  return { size: Math.max(size, held + page), fetch: true };
}
