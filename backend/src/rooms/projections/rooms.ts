import type { Projection } from '../../projections/projection';

/** Rooms with their kind and the position of their latest message or upload. */
export const roomsProjection: Projection<'rooms'> = {
  table: 'rooms',
  keys: (event) =>
    event.type === 'room.created' || event.type === 'message.sent' || event.type === 'file.uploaded' ? [event.data.roomId] : [],
  evolve(row, event) {
    switch (event.type) {
      case 'room.created':
        return {
          id: event.data.roomId,
          name: event.data.name,
          kind: event.data.kind,
          created_by: event.actor,
          created_at: event.occurredAt,
          last_position: event.position,
        };
      case 'message.sent':
      case 'file.uploaded':
        return row && { ...row, last_position: event.position };
      default:
        return row;
    }
  },
};
