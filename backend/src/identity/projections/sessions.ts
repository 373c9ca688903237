import type { Projection } from '../../projections/projection';

/** Sessions and their end, so a revoked token stops working at once. */
export const sessionsProjection: Projection<'sessions'> = {
  table: 'sessions',
  keys: (event) => (event.type === 'session.started' || event.type === 'session.ended' ? [event.data.sessionId] : []),
  fresh: (event) => (event.type === 'session.started' ? [event.data.sessionId] : []),
  evolve(row, event) {
    switch (event.type) {
      case 'session.started':
        return { id: event.data.sessionId, user_id: event.data.userId, expires_at: new Date(event.data.expiresAt), ended_at: null };
      case 'session.ended':
        return row && !row.ended_at ? { ...row, ended_at: event.occurredAt } : row;
      default:
        return row;
    }
  },
};
