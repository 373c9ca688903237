import * as z from 'zod/mini';
import { currentCsrfToken } from '../../api/http';

/** An upload as the server describes it (`UploadDto`). */
export const uploadSchema = z.object({
  id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number(),
  url: z.string(),
  width: z.optional(z.number()),
  height: z.optional(z.number()),
  preview: z.optional(z.string()),
});
export type Upload = z.infer<typeof uploadSchema>;

const uploadAnswer = z.object({ upload: uploadSchema, position: z.number(), duplicate: z.boolean() });
const errorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** How an upload attempt ended: stored, refused by the server, or no answer at all. */
export type UploadOutcome =
  | { kind: 'stored'; upload: Upload; position: number }
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'network' };

/**
 * Posts one file as `multipart/form-data` (field `file`, plus `clientId` so a
 * retry is stored once) with XMLHttpRequest, the one browser API that
 * reports upload progress.
 */
export function postUpload(
  roomId: string,
  file: Blob,
  name: string,
  clientId: string,
  onProgress: (fraction: number) => void,
): Promise<UploadOutcome> {
  const form = new FormData();
  form.set('clientId', clientId);
  form.set('file', file, name);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/rooms/${encodeURIComponent(roomId)}/uploads`);
    const csrf = currentCsrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => resolve({ kind: 'network' });
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      const stored = uploadAnswer.safeParse(body);
      if (xhr.status < 300 && stored.success) {
        resolve({ kind: 'stored', upload: stored.data.upload, position: stored.data.position });
        return;
      }
      const refused = errorAnswer.safeParse(body);
      resolve({
        kind: 'refused',
        status: xhr.status,
        code: refused.success ? refused.data.error.code : 'error',
        message: refused.success ? refused.data.error.message : `The server answered ${xhr.status}.`,
      });
    };
    xhr.send(form);
  });
}
