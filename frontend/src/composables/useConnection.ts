import { computed } from 'vue';
import { useChat } from './useChat';

const LABELS = {
  offline: 'Offline — messages will be sent when the connection returns',
  connecting: 'Connecting…',
  syncing: 'Catching up…',
  live: 'Connected',
  'signed-out': 'Signed out',
} as const;

/** The connection's state, as the UI shows it. */
export function useConnection() {
  const chat = useChat();
  const state = chat.state;
  return {
    state,
    label: computed(() => LABELS[state.value]),
    online: computed(() => state.value === 'live'),
  };
}
