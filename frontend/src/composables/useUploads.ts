import type { Ref } from 'vue';
import { uploadProgress } from '../components/upload/progress';
import { useChat } from './useChat';

/** What the file picker offers; the server decides by the bytes (see docs/protocol.md, "Uploads"). */
const ACCEPTED = 'image/png,image/jpeg,image/gif,image/webp,image/avif,video/mp4,video/webm';

/**
 * Attachments for one room: each file is queued in the outbox with its bytes,
 * in order with the room's messages, and uploaded (exactly once) as soon as
 * there is a connection. `progress` tells how far each upload has got.
 */
export function useUploads(roomId: Ref<string>) {
  const { outbox } = useChat();
  return {
    accept: ACCEPTED,
    progress: uploadProgress,
    /** Queues files in the order given; returns their command ids. */
    async attach(files: Iterable<File>): Promise<string[]> {
      const ids: string[] = [];
      for (const file of files) ids.push(await outbox.upload(roomId.value, file, file.name || 'pasted-image'));
      return ids;
    },
  };
}
