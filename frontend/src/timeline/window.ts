import type { EntityTable } from 'dexie';
import type { MessageRow } from '../db/replica';

/**
 * How many of a room's newest held rows the timeline reads while the user follows the bottom: a few screens.
 * Reading the room's whole held history instead made every stored batch re-read all of it (a catch-up of 10,000
 * events read ~30,000 rows).
 */
export const INITIAL_WINDOW = 300;

/**
 * Which held rows of a room the timeline reads. While the user follows the bottom, the newest `newest` rows: new
 * messages push the oldest out, unseen. While they read further up, every row from position `from` on: new
 * messages only add rows, so nothing above the rows in view disappears under them.
 */
export type WindowSpan = { readonly newest: number } | { readonly from: number };

/** What the timeline reads: rows of one room, oldest first. */
export interface RoomWindow {
  readonly roomId: string;
  readonly rows: MessageRow[];
}

type Messages = EntityTable<MessageRow, 'id'>;

const inRoom = (messages: Messages, roomId: string, from = -Infinity) =>
  messages.where('[roomId+position]').between([roomId, from], [roomId, Infinity], true, true);

/** Reads the rows of `roomId` that `span` covers, oldest first. */
export async function readWindow(messages: Messages, roomId: string, span: WindowSpan): Promise<RoomWindow> {
  if ('from' in span) return { roomId, rows: await inRoom(messages, roomId, span.from).toArray() };
  const newestFirst = await inRoom(messages, roomId).reverse().limit(span.newest).toArray();
  return { roomId, rows: newestFirst.reverse() };
}

/** How many rows of `roomId` the replica holds. */
export function heldCount(messages: Messages, roomId: string): Promise<number> {
  return inRoom(messages, roomId).count();
}

/** The oldest held row of `roomId`, if any. */
export function oldestHeld(messages: Messages, roomId: string): Promise<MessageRow | undefined> {
  return inRoom(messages, roomId).first();
}

/**
 * The first row to show so that log `position` is in view: the newest held row at or before it (a position the room
 * does not hold is shown in its place), or the oldest held row when every held row is newer.
 */
export async function rowReaching(messages: Messages, roomId: string, position: number): Promise<MessageRow | undefined> {
  const before = await messages.where('[roomId+position]').between([roomId, -Infinity], [roomId, position], true, true).last();
  return before ?? (await oldestHeld(messages, roomId));
}

/** The span to read once the user follows the bottom (`true`) or leaves it while `shown` starts the rows in view. */
export function spanFollowing(following: boolean, shown: readonly MessageRow[]): WindowSpan {
  return following ? { newest: INITIAL_WINDOW } : { from: shown[0]?.position ?? -Infinity };
}

/**
 * The span after a scroll to the top, and whether an older page must be fetched from the server: every held row
 * while older ones are held here, else every held row plus the page about to be fetched. Held rows come in at once,
 * not a step at a time: rows added above while the list is scrolled to the very top did not keep the scroll
 * position, and stepwise growth left the timeline e2e test (which scrolls straight to 0) stuck there.
 *
 * `shownCount` (the rows in view) counts only while reading back. Following the bottom, the span's own count says
 * whether every held row is in view: right after the room opens, the view may not have read anything yet, and
 * trusting it shrank the window to the rows held at that moment, so that later rows pushed earlier ones out of view.
 */
export function grownSpan(span: WindowSpan, shownCount: number, held: number, page: number): { span: WindowSpan; fetch: boolean } {
  if ('from' in span) return { span: { from: -Infinity }, fetch: held <= shownCount };
  // Following the bottom, a count keeps a catch-up from re-reading the whole room; it never shrinks.
  const fetch = held <= span.newest;
  return { span: { newest: fetch ? Math.max(span.newest, held + page) : held }, fetch };
}

/** The span that also shows the rows from `position` on (reading back from there: nothing may shift). */
export function spanFrom(span: WindowSpan, position: number): WindowSpan {
  return { from: 'from' in span ? Math.min(span.from, position) : position };
}
