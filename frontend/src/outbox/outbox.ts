import type { ClientFrame } from '@chatterlink/schema/protocol';
import type { Reply } from '../api/connection';
import { backoffDelay } from '../api/backoff';
import type { OutboxKind, OutboxRow, Replica } from '../db/replica';

/** Where the outbox sends its frames: the live WebSocket (false when it is not live). */
export interface OutboxTransport {
  send(frame: ClientFrame): boolean;
}

/** Time, ids and waiting come in from outside so tests can drive them. */
export interface OutboxEnv {
  now(): string;
  newId(): string;
  sleep(ms: number): Promise<void>;
  replyTimeoutMs: number;
}

const browserEnv: OutboxEnv = {
  now: () => new Date().toISOString(),
  newId: () => crypto.randomUUID(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  replyTimeoutMs: 20_000,
};

/** Refusals worth trying again later; every other refusal marks the command failed. */
const RETRYABLE = new Set(['rate_limited', 'unavailable', 'version_conflict', 'internal_error']);

type Command = Pick<OutboxRow, 'kind' | 'roomId' | 'messageId' | 'body' | 'emoji' | 'file' | 'fileName'>;

/**
 * Delivers a command that does not travel as a WebSocket frame (uploads go
 * over HTTP), answering like the server would over the socket.
 */
export type Courier = (row: OutboxRow, db: Replica, me: string) => Promise<Reply | 'offline'>;

/** Couriers by command kind, registered by features. */
export const couriers: Partial<Record<OutboxKind, Courier>> = {};

function frameOf(row: OutboxRow): ClientFrame {
  switch (row.kind) {
    case 'send':
      return { type: 'send', id: row.id, room: row.roomId, body: row.body ?? '' };
    case 'edit':
      return { type: 'edit', id: row.id, message: row.messageId ?? '', body: row.body ?? '' };
    case 'delete':
      return { type: 'delete', id: row.id, message: row.messageId ?? '' };
    case 'react':
      return { type: 'react', id: row.id, message: row.messageId ?? '', emoji: row.emoji ?? '' };
    case 'upload':
      throw new Error('uploads are delivered by their courier');
  }
}

/**
 * Commands written by the user, kept in the replica until the server
 * acknowledges them. Each gets its id when the user acts; it is resent with
 * the same id until acknowledged, so the server applies it exactly once.
 * Commands go one at a time, in the order they were made.
 */
export class Outbox {
  #waiters = new Map<string, (reply: Reply | null) => void>();
  #running = false;
  #live = false;
  #leader = false;
  #retries = 0;

  constructor(
    private readonly db: Replica,
    private readonly me: string,
    private readonly transport: OutboxTransport,
    private readonly env: OutboxEnv = browserEnv,
  ) {}

  /** Queues a new message; it shows as pending at once. Returns its id (the message's id). */
  send(roomId: string, body: string): Promise<string> {
    return this.#add({ kind: 'send', roomId, body });
  }

  edit(roomId: string, messageId: string, body: string): Promise<string> {
    return this.#add({ kind: 'edit', roomId, messageId, body });
  }

  delete(roomId: string, messageId: string): Promise<string> {
    return this.#add({ kind: 'delete', roomId, messageId });
  }

  react(roomId: string, messageId: string, emoji: string): Promise<string> {
    return this.#add({ kind: 'react', roomId, messageId, emoji });
  }

  /** Queues an attachment; its id is the upload's `clientId`, so it is stored once however often it is resent. */
  upload(roomId: string, file: Blob, fileName: string): Promise<string> {
    return this.#add({ kind: 'upload', roomId, file, fileName });
  }

  /** Puts a failed command back in line, with its original id. */
  async retry(id: string): Promise<void> {
    await this.db.outbox.where('id').equals(id).modify({ state: 'pending', error: undefined });
    this.kick();
  }

  async discard(id: string): Promise<void> {
    await this.db.outbox.where('id').equals(id).delete();
  }

  /** The socket became live (catch-up done) or went away. */
  setLive(live: boolean): void {
    this.#live = live;
    if (!live) this.#releaseWaiters();
    this.kick();
  }

  /** This tab won (or lost) the right to deliver the outbox. */
  setLeader(leader: boolean): void {
    this.#leader = leader;
    this.kick();
  }

  /** Starts delivering if this tab may and nothing is under way. */
  kick(): void {
    if (this.#running || !this.#live || !this.#leader) return;
    this.#running = true;
    void this.#flush().finally(() => {
      this.#running = false;
    });
  }

  /** An `ack` or `error` frame from the server. */
  handleReply(reply: Reply): void {
    if (!reply.id) return;
    this.#waiters.get(reply.id)?.(reply);
  }

  async #add(command: Command): Promise<string> {
    const id = this.env.newId();
    await this.db.outbox.add({ ...command, id, state: 'pending', createdAt: this.env.now() });
    this.kick();
    return id;
  }

  async #flush(): Promise<void> {
    while (this.#live && this.#leader) {
      const next = await this.db.outbox.where('state').equals('pending').first();
      if (!next) return;
      const reply = await this.#deliver(next);
      if (reply === null) continue; // timed out: resend under the same id (the server answers a repeat with the same ack)
      if (reply === 'offline') return;
      if (reply.type === 'ack') {
        this.#retries = 0;
        await this.#acknowledged(next, reply.position);
      } else if (RETRYABLE.has(reply.code)) {
        await this.env.sleep(backoffDelay(this.#retries++, Math.random(), 1000));
      } else {
        this.#retries = 0;
        await this.db.outbox.where('id').equals(next.id).modify({ state: 'failed', error: reply.message });
      }
    }
  }

  #deliver(row: OutboxRow): Promise<Reply | null | 'offline'> {
    const courier = couriers[row.kind];
    if (courier) return courier(row, this.db, this.me);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(null), this.env.replyTimeoutMs);
      const finish = (reply: Reply | null | 'offline') => {
        clearTimeout(timer);
        this.#waiters.delete(row.id);
        resolve(reply);
      };
      this.#waiters.set(row.id, (reply) => finish(reply ?? 'offline'));
      if (!this.transport.send(frameOf(row))) finish('offline');
    });
  }

  #releaseWaiters(): void {
    for (const release of [...this.#waiters.values()]) release(null);
  }

  /** Removes the command and, for a message, shows it as delivered until its event arrives. */
  async #acknowledged(row: OutboxRow, position: number | null): Promise<void> {
    await this.db.transaction('rw', [this.db.outbox, this.db.messages], async () => {
      await this.db.outbox.where('id').equals(row.id).delete();
      if (row.kind !== 'send' || position === null || (await this.db.messages.get(row.id))) return;
      await this.db.messages.put({
        id: row.id,
        roomId: row.roomId,
        position,
        authorId: this.me,
        body: row.body ?? '',
        at: row.createdAt,
        reactions: [],
      });
    });
  }
}
