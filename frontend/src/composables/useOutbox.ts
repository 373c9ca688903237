import type { Ref } from 'vue';
import type { OutboxRow } from '../db/replica';
import { useChat } from './useChat';
import { useLiveQuery } from './useLiveQuery';

/** Commands waiting for the server, for one room, and what the user can do with them. */
export function useOutbox(roomId: Ref<string>) {
  const { db, outbox } = useChat();
  const queued = useLiveQuery(() => db.outbox.where('roomId').equals(roomId.value).sortBy('seq'), [] as OutboxRow[], [roomId]);
  return {
    queued,
    send: (body: string) => outbox.send(roomId.value, body),
    edit: (messageId: string, body: string) => outbox.edit(roomId.value, messageId, body),
    remove: (messageId: string) => outbox.delete(roomId.value, messageId),
    react: (messageId: string, emoji: string) => outbox.react(roomId.value, messageId, emoji),
    retry: (id: string) => outbox.retry(id),
    discard: (id: string) => outbox.discard(id),
  };
}
