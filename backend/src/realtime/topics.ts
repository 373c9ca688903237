/** uWS topics. Durable room events, live-only room events (typing), and per-user channels. */
export const topics = {
  room: (roomId: string) => `room/${roomId}`,
  live: (roomId: string) => `live/${roomId}`,
  user: (userId: string) => `user/${userId}`,
  presence: (userId: string) => `presence/${userId}`,
} as const;
