import { reactive } from 'vue';

/** How long a typing signal shows without a new one. */
export const TYPING_SHOWS_MS = 5_000;
/** The server records at most one typing event per user and room every 3 s. */
export const TYPING_SENDS_EVERY_MS = 3_000;

/** Who is typing where: room id → user id → time the signal expires. */
export class TypingState {
  readonly rooms = reactive(new Map<string, Map<string, number>>());

  seen(roomId: string, userId: string, now: number): void {
    let users = this.rooms.get(roomId);
    if (!users) {
      users = new Map();
      this.rooms.set(roomId, users);
    }
    users.set(userId, now + TYPING_SHOWS_MS);
  }

  /** A message from `userId` ends their typing. */
  stopped(roomId: string, userId: string): void {
    this.rooms.get(roomId)?.delete(userId);
  }

  typingIn(roomId: string, now: number): string[] {
    const users = this.rooms.get(roomId);
    return users ? [...users].filter(([, until]) => until > now).map(([user]) => user) : [];
  }
}
