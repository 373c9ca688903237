/**
 * Orders room-list refreshes against rooms forgotten on this device (left,
 * removed, or dropped by a newer refresh). A refresh's REST answer may have
 * been taken before a leave committed and arrive after the local forget: it
 * must not bring the room back until the server says so again.
 *
 * In memory and per tab: a refresh only races with forgets of its own tab.
 */
export class RoomEpochs {
  #now = 0;
  #forgottenAt = new Map<string, number>();

  /** The current epoch: read it before asking the server for the room list. */
  now(): number {
    return this.#now;
  }

  /** Records that `roomId` was forgotten, later than every epoch read so far. */
  forgot(roomId: string): void {
    this.#forgottenAt.set(roomId, ++this.#now);
  }

  /** True when `roomId` was forgotten after `epoch` was read: an answer asked for at `epoch` is stale about it. */
  forgottenSince(roomId: string, epoch: number): boolean {
    return (this.#forgottenAt.get(roomId) ?? 0) > epoch;
  }
}
