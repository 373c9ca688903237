import type { Projection } from '../../projections/projection';

/** Row id of one user's reaction with one emoji on one message. */
export const reactionId = (messageId: string, userId: string, emoji: string) => `${messageId}:${userId}:${emoji}`;

/** Reactions, one row per (message, user, emoji); reacting twice changes nothing. */
export const reactionsProjection: Projection<'reactions'> = {
  table: 'reactions',
  keys: (event) =>
    event.type === 'reaction.added' && event.actor ? [reactionId(event.data.messageId, event.actor, event.data.emoji)] : [],
  evolve(row, event, id) {
    if (event.type !== 'reaction.added' || row) return row;
    return {
      id,
      message_id: event.data.messageId,
      room_id: event.data.roomId,
      user_id: event.actor ?? '',
      emoji: event.data.emoji,
      position: event.position,
    };
  },
};
