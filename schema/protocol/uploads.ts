import { z } from 'zod';
import { id } from './http';

/** The non-file fields of `POST /api/rooms/:id/uploads` (multipart). */
export const uploadFields = z.object({ clientId: id.optional() });

/** An upload as the API and `file.uploaded` event frames show it. */
export interface UploadDto {
  id: string;
  /** The file name the uploader gave, cleaned of paths and control characters. */
  name: string;
  /** Sniffed from the content: image/png, image/jpeg, image/gif, image/webp, image/avif, video/mp4 or video/webm. */
  mime: string;
  size: number;
  /** `/api/uploads/<id>`: the bytes, for the room's members. */
  url: string;
  /** Images only: dimensions as displayed (after EXIF orientation). */
  width?: number;
  height?: number;
  /** Images only: a small WebP rendition as a `data:` URL, to show before the full image loads. */
  preview?: string;
}
