import { id } from '@chatterlink/schema/protocol';
import { z } from 'zod';
import type { EventOf } from '../eventstore/event';
import { UPLOAD_TYPES } from './sniff';

/**
 * Events of the uploads context, in the room's stream `room-<roomId>`. The
 * payload (with the original file name and the preview) is sealed with the
 * uploader's data key like every event they cause.
 */
export const uploadEventSchemas = {
  'file.uploaded': z.object({
    uploadId: id,
    roomId: id,
    /** The uploader's data key the file's own key is derived from (an id, not a secret). */
    keyId: z.string(),
    name: z.string(),
    mime: z.enum(UPLOAD_TYPES),
    size: z.number().int().nonnegative(),
    width: z.number().int().positive().optional(),
    height: z.number().int().positive().optional(),
    /** WebP preview, base64. */
    preview: z.base64().optional(),
  }),
} as const;

export type UploadEvent = EventOf<typeof uploadEventSchemas>;
export type FileUploaded = z.infer<(typeof uploadEventSchemas)['file.uploaded']>;
