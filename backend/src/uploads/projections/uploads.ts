import type { Projection } from '../../projections/projection';

/** Name under UPLOAD_DIR of an upload's sealed bytes. */
export const storageKeyOf = (uploadId: string) => `${uploadId}.sealed`;

/**
 * Uploads that can be downloaded: created by `file.uploaded`, gone when the
 * upload's timeline item is deleted (`message.deleted` with its id).
 */
export const uploadsProjection: Projection<'uploads'> = {
  table: 'uploads',
  keys: (event) =>
    event.type === 'file.uploaded' ? [event.data.uploadId] : event.type === 'message.deleted' ? [event.data.messageId] : [],
  fresh: (event) => (event.type === 'file.uploaded' ? [event.data.uploadId] : []),
  evolve(row, event) {
    switch (event.type) {
      case 'file.uploaded':
        return (
          row ?? {
            id: event.data.uploadId,
            room_id: event.data.roomId,
            uploader_id: event.actor ?? '',
            key_id: event.data.keyId,
            mime: event.data.mime,
            size: event.data.size,
            width: event.data.width ?? null,
            height: event.data.height ?? null,
            storage_key: storageKeyOf(event.data.uploadId),
            position: event.position,
            uploaded_at: event.occurredAt,
          }
        );
      case 'message.deleted':
        return undefined;
      default:
        return row;
    }
  },
};
