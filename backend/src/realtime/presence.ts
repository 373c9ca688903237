import type { PresenceView } from '../identity/users-directory';
import { MAX_PRESENCE_USERS_PER_MESSAGE, type BusMessage, type SignalBus } from './bus';

/** How often a node says it is alive, and after how long without a word it counts as gone. */
export const HEARTBEAT_MS = 5000;
export const NODE_EXPIRY_MS = 15_000;

/**
 * Who is online anywhere: this node's connection counts (tabs), plus the
 * users other nodes announce over the bus. A node that stops heartbeating
 * (killed, partitioned) has its users expire. `onChange` fires when a user's
 * overall state flips, on every node.
 */
export class Presence implements PresenceView {
  readonly #local = new Map<string, number>();
  readonly #remote = new Map<string, { users: Set<string>; seenAt: number }>();
  /** Local flips not yet announced, by user (the latest wins); sent together once per event-loop turn. */
  readonly #unannounced = new Map<string, boolean>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly node: string,
    private readonly bus: SignalBus,
    private readonly onChange: (userId: string, online: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {
    bus.subscribe((message) => this.#receive(message));
  }

  start(): void {
    const beat = () => {
      void this.bus.publish({ kind: 'heartbeat', node: this.node }).catch(() => {});
      this.#expire();
      this.#timer = setTimeout(beat, HEARTBEAT_MS);
      this.#timer.unref();
    };
    beat();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  isOnline(userId: string): boolean {
    if ((this.#local.get(userId) ?? 0) > 0) return true;
    for (const { users } of this.#remote.values()) if (users.has(userId)) return true;
    return false;
  }

  /** A socket of `userId` opened on this node. */
  connected(userId: string): void {
    const count = (this.#local.get(userId) ?? 0) + 1;
    // Another tab of a user already online here flips nothing (this runs on every handshake).
    if (count > 1) {
      this.#local.set(userId, count);
      return;
    }
    this.#change([userId], () => this.#local.set(userId, count));
    this.#announceSoon(userId, true);
  }

  /** A socket of `userId` closed on this node. */
  disconnected(userId: string): void {
    const count = (this.#local.get(userId) ?? 0) - 1;
    if (count > 0) {
      this.#local.set(userId, count);
      return;
    }
    this.#change([userId], () => this.#local.delete(userId));
    if (count === 0) this.#announceSoon(userId, false);
  }

  #receive(message: BusMessage): void {
    if (message.kind === 'appended' || message.node === this.node) return;
    const known = this.#remote.get(message.node);
    const entry = known ?? { users: new Set<string>(), seenAt: this.now() };
    entry.seenAt = this.now();
    if (!known) {
      this.#remote.set(message.node, entry);
      // A node we have not heard from: tell it who is here.
      void this.#announce([...this.#local.keys()], true);
    }
    if (message.kind === 'presence') {
      this.#change(message.users, () => {
        for (const user of message.users) {
          if (message.online) entry.users.add(user);
          else entry.users.delete(user);
        }
      });
    }
  }

  #expire(): void {
    const cutoff = this.now() - NODE_EXPIRY_MS;
    for (const [node, entry] of this.#remote) {
      if (entry.seenAt < cutoff) this.#change([...entry.users], () => this.#remote.delete(node));
    }
  }

  /** Applies a mutation and reports the users whose overall state it flipped. */
  #change(users: readonly string[], mutate: () => void): void {
    const before = users.map((u) => this.isOnline(u));
    mutate();
    users.forEach((user, i) => {
      const after = this.isOnline(user);
      if (after !== before[i]) this.onChange(user, after);
    });
  }

  /**
   * A crowd reconnecting brings thousands of users online within a second:
   * one bus message (a NOTIFY) each queued up behind one another, and their
   * statements and payloads lived long enough to be promoted to V8's old
   * space. The flips of one event-loop turn go out together instead.
   */
  #announceSoon(userId: string, online: boolean): void {
    // An empty map means no announcement is scheduled yet; the user's latest flip replaces an earlier one.
    const scheduled = this.#unannounced.size > 0;
    this.#unannounced.set(userId, online);
    if (scheduled) return;
    setImmediate(() => {
      const cameOnline: string[] = [];
      const wentOffline: string[] = [];
      for (const [user, isOnline] of this.#unannounced) (isOnline ? cameOnline : wentOffline).push(user);
      this.#unannounced.clear();
      void this.#announce(cameOnline, true);
      void this.#announce(wentOffline, false);
    });
  }

  async #announce(users: readonly string[], online: boolean): Promise<void> {
    for (let i = 0; i < users.length; i += MAX_PRESENCE_USERS_PER_MESSAGE) {
      const chunk = users.slice(i, i + MAX_PRESENCE_USERS_PER_MESSAGE);
      await this.bus.publish({ kind: 'presence', node: this.node, users: chunk, online }).catch(() => {});
    }
  }
}
