import { noteNewItem, type EventHandler } from '../../sync/apply-event';
import { uploadItem } from './courier';
import { uploadSchema } from './upload-request';

/** `file.uploaded` in the replica: a timeline item carrying the upload (with its preview). */
export const fileUploaded: EventHandler = (batch, f, me) => {
  const parsed = uploadSchema.safeParse(f.data.upload);
  if (!parsed.success) return;
  const existing = batch.itemCreatedAt(parsed.data.id, f.position);
  batch.putMessage({ ...existing, ...uploadItem(parsed.data, f.room, f.position, f.actor ?? '', f.at), reactions: existing?.reactions ?? [] });
  return noteNewItem(batch, f, me, !existing);
};
