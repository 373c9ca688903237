import { computed, getCurrentScope, shallowRef, watch, type Ref } from 'vue';
import type { MessageRow } from '../db/replica';
import { timelineRows } from '../timeline/rows';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';
import { useOutbox } from './useOutbox';

/** How far back `reach` pages at most (× PAGE_SIZE messages) before showing the oldest it got. */
const REACH_PAGES = 40;

/** A room's timeline from the replica, and paging further back through the server. */
export function useTimeline(roomId: Ref<string>) {
  const chat = useChat();
  const { db } = chat;
  const { queued } = useOutbox(roomId);
  const messages = useLiveQuery(
    () => db.messages.where('[roomId+position]').between([roomId.value, -Infinity], [roomId.value, Infinity]).toArray(),
    [] as MessageRow[],
    [roomId],
  );
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

  /** Fetches one older page; a no-op while one is loading or when the start is reached. */
  async function loadOlder(): Promise<void> {
    if (loading.value || history.value?.hasMore === false) return;
    await paging(() => chat.loadOlder(roomId.value));
  }

  // Watchers made after an await must still stop with the component.
  const scope = getCurrentScope();
  const oldestHeld = (room: string) => db.messages.where('[roomId+position]').between([room, -Infinity], [room, Infinity]).first();

  /** Resolves once the live rows start with the message `id` (or the room changed meanwhile). */
  function shown(id: string, room: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => messages.value[0]?.id === id || roomId.value !== room;
      if (done()) return resolve();
      const stop = scope?.run(() =>
        watch([messages, roomId], () => {
          if (!done()) return;
          stop?.();
          resolve();
        }),
      );
    });
  }

  /**
   * Pages history in (bounded) until the replica holds log `position`, and
   * resolves once the rows show it. Offline, it settles for what is held.
   */
  async function reach(position: number): Promise<void> {
    const room = roomId.value;
    await paging(async () => {
      for (let page = 0; page < REACH_PAGES; page++) {
        const oldest = await oldestHeld(room);
        if ((oldest && oldest.position <= position) || (await db.history.get(room))?.hasMore === false) return;
        await chat.loadOlder(room);
      }
    });
    const oldest = await oldestHeld(room);
    if (oldest) await shown(oldest.id, room);
  }

  return {
    rows: computed(() => timelineRows(messages.value, queued.value, chat.me.id)),
    newestPosition: computed(() => messages.value.at(-1)?.position ?? 0),
    reachedStart: computed(() => history.value?.hasMore === false),
    loading,
    loadError,
    loadOlder,
    reach,
  };
}
