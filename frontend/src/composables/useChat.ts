import { storeToRefs } from 'pinia';
import { useSessionStore } from '../stores/session';
import type { ChatClient } from '../sync/chat-client';

/** The signed-in user's chat client; only used below the signed-in layout. */
export function useChat(): ChatClient {
  const { client } = storeToRefs(useSessionStore());
  if (!client.value) throw new Error('useChat() outside a signed-in view');
  return client.value;
}
