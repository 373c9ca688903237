import { shallowRef, watch, type Ref } from 'vue';
import type { MessageRow } from '../db/replica';
import { useChat } from './useChat';

const MAX_RESULTS = 50;

/** Searches message bodies in the local replica (works offline), newest first. */
export function useSearch(query: Ref<string>) {
  const { db } = useChat();
  const results = shallowRef<MessageRow[]>([]);
  watch(
    query,
    async (text) => {
      const needle = text.trim().toLocaleLowerCase();
      if (needle.length < 2) {
        results.value = [];
        return;
      }
      // A full scan then a sort: an index on position alone would cost every stored message a write (the
      // replica's hottest path) to speed up this rarer read.
      const found = await db.messages.filter((m) => m.body !== null && m.body.toLocaleLowerCase().includes(needle)).toArray();
      results.value = found.sort((a, b) => b.position - a.position).slice(0, MAX_RESULTS);
    },
    { immediate: true },
  );
  return { results };
}
