import { ref, watch, type Ref } from 'vue';
import { useChat } from './useChat';

const SAVE_AFTER_MS = 300;

/** The composer's text for the room, kept in the replica across reloads. */
export function useDraft(roomId: Ref<string>) {
  const { db } = useChat();
  const text = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;

  const save = (room: string, value: string) =>
    value ? db.drafts.put({ roomId: room, text: value }) : db.drafts.delete(room);

  watch(
    roomId,
    async (room, previous) => {
      if (previous !== undefined && timer) {
        clearTimeout(timer);
        timer = undefined;
        await save(previous, text.value);
      }
      const shown = text.value;
      const stored = (await db.drafts.get(room))?.text ?? '';
      // Whatever was typed while the draft loaded wins over the stored one.
      if (text.value === shown) text.value = stored;
    },
    { immediate: true },
  );

  watch(text, (value) => {
    clearTimeout(timer);
    const room = roomId.value;
    timer = setTimeout(() => {
      timer = undefined;
      void save(room, value);
    }, SAVE_AFTER_MS);
  });

  /**
   * Hands over the text to send and empties the box in the same instant, so
   * whatever the user types next is a new draft and never swallowed.
   */
  function take(): string {
    const taken = text.value;
    clearTimeout(timer);
    timer = undefined;
    text.value = '';
    void db.drafts.delete(roomId.value);
    return taken;
  }

  return { text, take };
}
