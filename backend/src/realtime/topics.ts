/**
 * uWS topics: one per room for each socket. Readers keeping up take `room`
 * (durable events, typing and presence); a reader falling behind is moved to
 * `slow` (durable events only), so live-only frames skip it without a second
 * topic per room for everyone. Every topic a socket holds costs memory in uWS.
 */
export const topics = {
  room: (roomId: string) => `room/${roomId}`,
  slow: (roomId: string) => `slow/${roomId}`,
} as const;

/** The room of a `room/` or `slow/` topic. */
export function roomOfTopic(topic: string): string {
  return topic.slice(topic.indexOf('/') + 1);
}
