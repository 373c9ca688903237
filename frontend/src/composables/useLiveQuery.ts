import { liveQuery } from 'dexie';
import { onScopeDispose, shallowRef, watch, type ShallowRef, type WatchSource } from 'vue';

/**
 * A ref that follows a Dexie query: re-run whenever the tables it read change
 * (in this tab or another) and whenever `sources` change.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, initial: T, sources: WatchSource[] = []): ShallowRef<T> {
  const result = shallowRef<T>(initial);
  let subscription: { unsubscribe(): void } | undefined;
  const subscribe = () => {
    subscription?.unsubscribe();
    subscription = liveQuery(query).subscribe({
      next: (value) => (result.value = value),
      error: (error: unknown) => console.error('ChatterLink: a local query failed', error),
    });
  };
  watch(sources, subscribe, { immediate: true });
  onScopeDispose(() => subscription?.unsubscribe());
  return result;
}
