import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { openDatabase } from '../../src/db/database';
import { Keyring } from '../../src/crypto/keyring';
import { EventStore } from '../../src/eventstore/store';
import { liveProjector } from '../../src/projections/live';
import type { Entry, History, Observed } from './history';

type Frame = { type: string; id?: string; code?: string; position?: number; event?: string; room?: string; data?: { messageId?: string } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Refusals after which the same command may be sent again; anything else is final. */
const RETRYABLE = new Set(['unavailable', 'rate_limited', 'internal_error']);

/** One WebSocket connection that answers requests by command id. */
export class Link {
  readonly #pending = new Map<string, { resolve: (f: Frame) => void; reject: (e: Error) => void }>();
  onFrame: (frame: Frame) => void = () => {};

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      this.onFrame(frame);
      const pending = frame.id ? this.#pending.get(frame.id) : undefined;
      if (pending && (frame.type === 'ack' || frame.type === 'error')) pending.resolve(frame);
    });
    ws.on('close', () => this.#pending.forEach((p) => p.reject(new Error('closed'))));
    ws.on('error', () => {});
  }

  static open(baseUrl: string, cookie: string): Promise<Link> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers: { cookie }, origin: baseUrl, handshakeTimeout: 3000 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Link(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a command and resolves with its `ack` or `error`; rejects if the connection dies or nothing answers in time. */
  request(frame: { id: string } & Record<string, unknown>, timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(() => reject(new Error('timeout'))), timeoutMs);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#pending.delete(frame.id);
        settle();
      };
      this.#pending.set(frame.id, { resolve: (f) => done(() => resolve(f)), reject: (e) => done(() => reject(e)) });
      this.ws.send(JSON.stringify(frame));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Refusal codes seen by all senders, e.g. `unavailable` while the database is down. */
export type Refusals = Map<string, number>;

/**
 * One client sending messages over the WebSocket until `stop()`: each
 * operation is retried with the same command id (exactly-once makes that
 * safe) on the next node of `urls()` until it is acknowledged, refused for
 * good, or `giveUpMs` passed (it then stays `unknown`).
 */
export async function runSender(options: {
  client: number;
  cookie: string;
  rooms: readonly string[];
  history: History;
  refusals: Refusals;
  urls: () => readonly string[];
  stop: () => boolean;
  giveUpMs?: number;
}): Promise<void> {
  const { client, history, refusals } = options;
  let link: Link | undefined;
  let node = client;
  for (let n = 0; !options.stop(); n++) {
    const room = options.rooms[n % options.rooms.length]!;
    const op = history.invoke(randomUUID(), client, room);
    const giveUp = Date.now() + (options.giveUpMs ?? 60_000);
    while (Date.now() < giveUp) {
      op.attempts++;
      try {
        if (!link?.open) {
          const urls = options.urls();
          link = await Link.open(urls[node % urls.length]!, options.cookie);
        }
        const answer = await link.request({ type: 'send', id: op.id, room, body: `client ${client} message ${n}` }, 5000);
        if (answer.type === 'ack') {
          op.status = 'ok';
          op.position = answer.position!;
          break;
        }
        refusals.set(answer.code!, (refusals.get(answer.code!) ?? 0) + 1);
        if (!RETRYABLE.has(answer.code!)) {
          op.status = 'failed';
          break;
        }
        op.status = 'unknown';
      } catch {
        // No answer: the command may or may not have been applied. Try the next node.
        op.status = 'unknown';
        link?.close();
        link = undefined;
        node++;
      }
      await sleep(50 + Math.random() * 150);
    }
  }
  link?.close();
}

/**
 * A member who keeps a socket open, reconnecting (to the next node) whenever
 * it drops, and resumes with `hello since` the highest position it processed.
 * Records every `message.sent` it receives, in order.
 */
export class Subscriber implements Observed {
  readonly entries: Entry[] = [];
  last = 0;
  #stopped = false;
  #link: Link | undefined;
  #running: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly cookie: string,
    private readonly urls: () => readonly string[],
    private node = 0,
  ) {}

  start(): void {
    this.#running = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const urls = this.urls();
        const link = await Link.open(urls[this.node % urls.length]!, this.cookie);
        this.#link = link;
        link.onFrame = (frame) => {
          if (frame.type !== 'event') return;
          if (frame.event === 'message.sent') this.entries.push({ messageId: frame.data!.messageId!, room: frame.room!, position: frame.position! });
          this.last = Math.max(this.last, frame.position!);
        };
        link.ws.send(JSON.stringify({ type: 'hello', since: this.last }));
        await new Promise((resolve) => link.ws.once('close', resolve));
      } catch {
        this.node++;
      }
      await sleep(100);
    }
  }

  /** Waits until this subscriber has processed `position`. */
  async reach(position: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.last < position) {
      if (Date.now() > deadline) throw new Error(`${this.name} stuck at ${this.last}, expected ${position}`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#link?.close();
    await this.#running;
  }
}

/** Every `message.sent` in the log, decrypted, in position order. */
export async function readLog(databaseUrl: string, eventKey: Buffer): Promise<Entry[]> {
  const handle = await openDatabase({ engine: 'postgres', url: databaseUrl, maxConnections: 2 });
  try {
    const store = new EventStore(handle.db, new Keyring(handle.db, eventKey), liveProjector([]));
    const entries: Entry[] = [];
    for (let after = 0; ; ) {
      const page = await store.read({ after, limit: 1000 });
      if (page.length === 0) return entries;
      for (const event of page) {
        if (event.type === 'message.sent') entries.push({ messageId: event.data.messageId, room: event.data.roomId, position: event.position });
      }
      after = page.at(-1)!.position;
    }
  } finally {
    await handle.close();
  }
}
