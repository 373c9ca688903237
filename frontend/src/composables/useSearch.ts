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
      results.value = await db.messages
        .orderBy('position')
        .reverse()
        .filter((m) => m.body !== null && m.body.toLocaleLowerCase().includes(needle))
        .limit(MAX_RESULTS)
        .toArray();
    },
    { immediate: true },
  );
  return { results };
}
