import pg from 'pg';
import type { createClient } from 'redis';
import { z } from 'zod';
import { stringConstant } from '../eventstore/shaped-sql';

/**
 * What nodes tell each other. Never content: positions (read the events from
 * the log) and presence. A lost signal only delays delivery: tailers also poll.
 */
export const busMessage = z.discriminatedUnion('kind', [
  // `node`: the node that appended (it delivered its own events already); absent from older nodes.
  z.object({ kind: z.literal('appended'), position: z.number().int().nonnegative(), node: z.string().optional() }),
  z.object({ kind: z.literal('presence'), node: z.string(), users: z.array(z.string()), online: z.boolean() }),
  z.object({ kind: z.literal('heartbeat'), node: z.string() }),
]);
export type BusMessage = z.infer<typeof busMessage>;

/** A fan-out signal channel between the server nodes of one deployment. */
export interface SignalBus {
  readonly name: string;
  publish(message: BusMessage): Promise<void>;
  /** Handlers also receive the node's own messages. */
  subscribe(handler: (message: BusMessage) => void): void;
  /**
   * A statement that, run inside a transaction on the deployment's database,
   * sends `message` when that transaction commits and only if it does; absent
   * when the bus is not that database.
   */
  inTransaction?(message: BusMessage): string;
  close(): Promise<void>;
}

const CHANNEL = 'chatterlink';
/** NOTIFY payloads must stay under 8000 bytes; presence lists are split to fit. */
export const MAX_PRESENCE_USERS_PER_MESSAGE = 150;

function decode(raw: string): BusMessage | undefined {
  try {
    const parsed = busMessage.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One process, nothing to share (the embedded database is single-process anyway). */
export class LocalBus implements SignalBus {
  readonly name = 'local';
  readonly #handlers: ((message: BusMessage) => void)[] = [];
  async publish(message: BusMessage): Promise<void> {
    queueMicrotask(() => this.#handlers.forEach((h) => h(message)));
  }
  subscribe(handler: (message: BusMessage) => void): void {
    this.#handlers.push(handler);
  }
  async close(): Promise<void> {}
}

/** Postgres LISTEN/NOTIFY: needs nothing beyond the database. Reconnects by itself. */
export class PostgresBus implements SignalBus {
  readonly name = 'postgres';
  readonly #handlers: ((message: BusMessage) => void)[] = [];
  readonly #publisher: pg.Pool;
  #listener: pg.Client | undefined;
  #closed = false;
  #onReconnect: () => void;

  constructor(
    private readonly url: string,
    onReconnect: () => void = () => {},
  ) {
    this.#publisher = new pg.Pool({ connectionString: url, max: 2 });
    this.#publisher.on('error', () => {});
    this.#onReconnect = onReconnect;
  }

  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => {
      const message = n.payload ? decode(n.payload) : undefined;
      if (message) this.#handlers.forEach((h) => h(message));
    });
    const retry = () => {
      if (this.#closed || this.#listener !== client) return;
      this.#listener = undefined;
      setTimeout(() => void this.#reconnect(), 1000).unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.#listener = client;
  }

  async #reconnect(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#connect();
      // Signals sent while we were away are lost: let the owner catch up from the log.
      this.#onReconnect();
    } catch {
      setTimeout(() => void this.#reconnect(), 1000).unref();
    }
  }

  async publish(message: BusMessage): Promise<void> {
    await this.#publisher.query('select pg_notify($1, $2)', [CHANNEL, JSON.stringify(message)]);
  }

  /** NOTIFY queues the payload with the transaction; Postgres delivers it at commit, in commit order. */
  inTransaction(message: BusMessage): string {
    return `notify ${CHANNEL}, ${stringConstant(JSON.stringify(message))}`;
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.#handlers.push(handler);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => {});
    await this.#publisher.end().catch(() => {});
  }
}

/** The Redis channel of one deployment: one Redis may serve several, whose signals must not mix. */
export function redisChannel(logId: string | undefined): string {
  return logId ? `${CHANNEL}:${logId.slice(0, 32)}` : CHANNEL;
}

type RedisClient = ReturnType<typeof createClient>;

/**
 * Redis pub/sub (REDIS_URL, or the guide's SOCKETIO_MESSAGE_QUEUE). Unlike
 * NOTIFY, which stays inside one database, Redis channels are server-wide:
 * the channel carries the log's id (see `redisChannel`).
 */
export class RedisBus implements SignalBus {
  readonly name = 'redis';
  readonly #handlers: ((message: BusMessage) => void)[] = [];
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;

  /**
   * Connects to Redis at `url` and listens on `channel`. The client library
   * loads here, not with the server: most deployments have no Redis, and its
   * modules would only weigh on the heap every major collection marks.
   */
  static async open(url: string, channel: string): Promise<RedisBus> {
    const { createClient } = await import('redis');
    const bus = new RedisBus(createClient({ url }), channel);
    await bus.#start();
    return bus;
  }

  private constructor(
    publisher: RedisClient,
    readonly channel: string,
  ) {
    this.#publisher = publisher;
    this.#subscriber = this.#publisher.duplicate();
    // The clients reconnect by themselves; errors while they do are expected.
    this.#publisher.on('error', () => {});
    this.#subscriber.on('error', () => {});
  }

  async #start(): Promise<void> {
    await Promise.all([this.#publisher.connect(), this.#subscriber.connect()]);
    await this.#subscriber.subscribe(this.channel, (raw) => {
      const message = decode(raw);
      if (message) this.#handlers.forEach((h) => h(message));
    });
  }

  async publish(message: BusMessage): Promise<void> {
    await this.#publisher.publish(this.channel, JSON.stringify(message));
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.#handlers.push(handler);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#subscriber.quit(), this.#publisher.quit()]);
  }
}
