import { computed, onScopeDispose, shallowRef, type Ref } from 'vue';
import { useChat } from './useChat';
import { usePresence } from './usePresence';

/** "alice is typing…" for the room, refreshed as signals expire. */
export function useTyping(roomId: Ref<string>) {
  const chat = useChat();
  const { nameOf } = usePresence();
  const now = shallowRef(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), 1000);
  onScopeDispose(() => clearInterval(timer));
  const names = computed(() => {
    void chat.typing.rooms.get(roomId.value)?.size; // track additions to this room
    return chat.typing.typingIn(roomId.value, now.value).map(nameOf);
  });
  return {
    text: computed(() => {
      const n = names.value;
      if (n.length === 0) return '';
      if (n.length === 1) return `${n[0]} is typing…`;
      if (n.length === 2) return `${n[0]} and ${n[1]} are typing…`;
      return 'Several people are typing…';
    }),
    /** Call on every keystroke; throttled for the wire. */
    typing: () => chat.typingIn(roomId.value),
  };
}
