import { computed, shallowRef, type Ref } from 'vue';
import type { MessageRow } from '../db/replica';
import { timelineRows } from '../timeline/rows';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';
import { useOutbox } from './useOutbox';

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

  /** Fetches one older page; a no-op while one is loading or when the start is reached. */
  async function loadOlder(): Promise<void> {
    if (loading.value || history.value?.hasMore === false) return;
    loading.value = true;
    loadError.value = '';
    try {
      await chat.loadOlder(roomId.value);
    } catch {
      loadError.value = 'Older messages are not available offline.';
    } finally {
      loading.value = false;
    }
  }

  return {
    rows: computed(() => timelineRows(messages.value, queued.value, chat.me.id)),
    newestPosition: computed(() => messages.value.at(-1)?.position ?? 0),
    reachedStart: computed(() => history.value?.hasMore === false),
    loading,
    loadError,
    loadOlder,
  };
}
