import { computed, getCurrentScope, shallowRef, watch, type Ref } from 'vue';
import { PAGE_SIZE } from '../sync/fetchers';
import { timelineRows } from '../timeline/rows';
import { grownSpan, heldCount, INITIAL_WINDOW, oldestHeld, readWindow, rowReaching, spanFollowing, spanFrom, type RoomWindow, type WindowSpan } from '../timeline/window';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';
import { useOutbox } from './useOutbox';

/** How far back `reach` pages at most (× PAGE_SIZE messages) before showing the oldest it got. */
const REACH_PAGES = 40;

/**
 * A room's timeline from the replica: the newest held rows while the user follows the bottom (`following`), every
 * row from the first in view on while they read further up, every held row once they scroll to the top, then
 * paging further back through the server.
 */
export function useTimeline(roomId: Ref<string>, following: Ref<boolean> = shallowRef(true)) {
  const chat = useChat();
  const { db } = chat;
  const { queued } = useOutbox(roomId);
  const span = shallowRef<WindowSpan>({ newest: INITIAL_WINDOW });
  const view = useLiveQuery(() => readWindow(db.messages, roomId.value, span.value), { roomId: '', rows: [] } as RoomWindow, [roomId, span]);
  const messages = computed(() => view.value.rows);
  watch(roomId, () => (span.value = { newest: INITIAL_WINDOW }));
  // Right after a room switch the view may still hold the previous room's rows: their positions mean nothing here.
  watch(following, (now) => (span.value = spanFollowing(now, view.value.roomId === roomId.value ? view.value.rows : [])));
  const oldest = useLiveQuery(() => oldestHeld(db.messages, roomId.value), undefined, [roomId]);
  const history = useLiveQuery(() => db.history.get(roomId.value), undefined, [roomId]);
  const loading = shallowRef(false);
  const loadError = shallowRef('');

  /** Runs `work` (fetching older pages) with the loading state and the offline message. */
  async function paging(work: () => Promise<void>): Promise<void> {
    loading.value = true;
    loadError.value = '';
    try {
      await work();
    } catch {
      loadError.value = 'Older messages are not available offline.';
    } finally {
      loading.value = false;
    }
  }

  /**
   * Shows older rows: more of those held here, else one page fetched from the server; a no-op while a page is
   * loading or when the start is reached.
   */
  async function loadOlder(): Promise<void> {
    if (loading.value) return;
    const room = roomId.value;
    const grown = grownSpan(span.value, view.value.rows.length, await heldCount(db.messages, room), PAGE_SIZE);
    if (room !== roomId.value || loading.value) return;
    if (grown.fetch && history.value?.hasMore === false) return;
    span.value = grown.span;
    if (grown.fetch) await paging(() => chat.loadOlder(room));
  }

  // Watchers made after an await must still stop with the component.
  const scope = getCurrentScope();

  /** Resolves once the live rows of `room` start at or before `position` (or the room changed meanwhile). */
  function shown(position: number, room: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => roomId.value !== room || (view.value.roomId === room && (view.value.rows[0]?.position ?? Infinity) <= position);
      if (done()) return resolve();
      const stop = scope?.run(() =>
        watch([view, roomId], () => {
          if (!done()) return;
          stop?.();
          resolve();
        }),
      );
    });
  }

  /**
   * Pages history in (bounded) until the replica holds log `position`, grows the window to include it, and
   * resolves once the rows show it. Offline, it settles for what is held.
   */
  async function reach(position: number): Promise<void> {
    const room = roomId.value;
    await paging(async () => {
      for (let page = 0; page < REACH_PAGES; page++) {
        const oldest = await oldestHeld(db.messages, room);
        if ((oldest && oldest.position <= position) || (await db.history.get(room))?.hasMore === false) return;
        await chat.loadOlder(room);
      }
    });
    if (roomId.value !== room) return;
    const first = await rowReaching(db.messages, room, position);
    if (!first || roomId.value !== room) return;
    span.value = spanFrom(span.value, first.position);
    await shown(first.position, room);
  }

  return {
    rows: computed(() => timelineRows(messages.value, queued.value, chat.me.id)),
    newestPosition: computed(() => messages.value.at(-1)?.position ?? 0),
    // The start of the room is in view only when the server has nothing older and the window shows the oldest held row.
    reachedStart: computed(() => history.value?.hasMore === false && messages.value[0]?.position === oldest.value?.position),
    loading,
    loadError,
    loadOlder,
    reach,
  };
}
