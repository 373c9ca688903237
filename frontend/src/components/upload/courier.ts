import type { MessageRow } from '../../db/replica';
import type { Courier } from '../../outbox/outbox';
import { uploadProgress } from './progress';
import { postUpload, type Upload } from './upload-request';

/** The timeline item of a stored upload, as the `file.uploaded` event will also describe it. */
export function uploadItem(upload: Upload, roomId: string, position: number, authorId: string, at: string): MessageRow {
  return { id: upload.id, roomId, position, authorId, body: '', at, reactions: [], extra: { upload } };
}

/**
 * Delivers a queued attachment over HTTP with its command id as `clientId`,
 * so a resend after a lost answer is stored once. A stored upload is shown
 * at once (like an acknowledged message); a lost connection is retried
 * later; any other refusal marks the command failed with the server's reason.
 */
export const uploadCourier: Courier = async (row, db, me) => {
  if (!row.file) return { type: 'error', id: row.id, code: 'invalid_input', message: 'The attachment is missing.' };
  uploadProgress.set(row.id, 0);
  try {
    const outcome = await postUpload(row.roomId, row.file, row.fileName ?? 'upload', row.id, (fraction) => uploadProgress.set(row.id, fraction));
    if (outcome.kind === 'network') return { type: 'error', id: row.id, code: 'unavailable', message: 'No connection to the server.' };
    if (outcome.kind === 'refused') {
      const code = outcome.status >= 500 ? 'unavailable' : outcome.code;
      return { type: 'error', id: row.id, code, message: outcome.message };
    }
    const { upload, position } = outcome;
    if (!(await db.messages.get(upload.id))) await db.messages.put(uploadItem(upload, row.roomId, position, me, row.createdAt));
    return { type: 'ack', id: row.id, position };
  } finally {
    uploadProgress.delete(row.id);
  }
};
