import type { Projection } from '../../projections/projection';

/**
 * Messages without their bodies: `body_position` points at the sealed event
 * that holds the current body, so no plaintext (and no second copy of the
 * ciphertext) lives outside the log.
 */
export const messagesProjection: Projection<'messages'> = {
  table: 'messages',
  rowsSettle: true,
  keys: (event) =>
    event.type === 'message.sent' || event.type === 'message.edited' || event.type === 'message.deleted'
      ? [event.data.messageId]
      : event.type === 'file.uploaded'
        ? [event.data.uploadId]
        : [],
  fresh: (event) => (event.type === 'message.sent' ? [event.data.messageId] : event.type === 'file.uploaded' ? [event.data.uploadId] : []),
  evolve(row, event) {
    switch (event.type) {
      // An upload is a timeline item too: its id is the upload's, its "body" the upload event.
      case 'message.sent':
      case 'file.uploaded':
        return (
          row ?? {
            id: event.type === 'message.sent' ? event.data.messageId : event.data.uploadId,
            room_id: event.data.roomId,
            author_id: event.actor ?? '',
            position: event.position,
            body_position: event.position,
            sent_at: event.occurredAt,
            edited_at: null,
            deleted: false,
          }
        );
      case 'message.edited':
        return row && !row.deleted ? { ...row, body_position: event.position, edited_at: event.occurredAt } : row;
      case 'message.deleted':
        return row && !row.deleted ? { ...row, deleted: true, body_position: null } : row;
      default:
        return row;
    }
  },
};
