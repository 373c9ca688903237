import type { ClientFrame, EventFrame, ServerFrame } from '@chatterlink/schema/protocol';
import { parseServerFrame } from '@chatterlink/schema/protocol/server-frames';
import { backoffDelay } from './backoff';

export type ConnectionState = 'offline' | 'connecting' | 'syncing' | 'live' | 'signed-out';

export type Reply = Extract<ServerFrame, { type: 'ack' } | { type: 'error' }>;

/** What the connection hands to the rest of the app. */
export interface ConnectionHooks {
  /** The `since` of the next `hello`: the replica's last applied position. */
  since(): Promise<number>;
  /**
   * Durable events, in position order, to apply together (one transaction);
   * the next batch waits for this promise. A rejection drops the socket: the
   * next `hello` resumes from what was stored.
   */
  onEvents(frames: EventFrame[]): Promise<void>;
  /** Catch-up is complete (after every earlier event was handled). */
  onReady(position: number): Promise<void>;
  onTyping(frame: EventFrame): void;
  onPresence(userId: string, online: boolean): void;
  onReply(frame: Reply): void;
  onState(state: ConnectionState): void;
  /** Asked after the socket closed abnormally: true when the session is gone (vs. a network problem). */
  isSignedOut(): Promise<boolean>;
}

const PING_EVERY_MS = 20_000;
const PONG_TIMEOUT_MS = 8_000;
/** The most events handed on at once: bounds the memory and the time of one batch. */
export const MAX_BATCH = 2000;

/** Events not yet handed on; they take in later events until their turn comes. */
interface PendingBatch {
  readonly frames: EventFrame[];
  queued: boolean;
}

/**
 * The WebSocket to `/ws`: says `hello` with the last seen position, validates
 * every frame, hands them on in order, and reconnects with backoff and jitter.
 */
export class Connection {
  #socket: WebSocket | undefined;
  #state: ConnectionState = 'offline';
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopped = true;
  #batch: PendingBatch | undefined;
  /** `ready` arrived on this socket: events are handed on as they come, not held for the rest of the catch-up. */
  #caughtUp = false;

  /** `url` defaults to `/ws` on this page's origin. */
  constructor(
    private readonly hooks: ConnectionHooks,
    private readonly url?: string,
  ) {}

  get state(): ConnectionState {
    return this.#state;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    addEventListener('online', this.#onOnline);
    addEventListener('offline', this.#onOffline);
    this.#open();
  }

  stop(): void {
    if (!this.#stopped) {
      removeEventListener('online', this.#onOnline);
      removeEventListener('offline', this.#onOffline);
    }
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#drop();
    this.#setState('offline');
  }

  /** Sends a frame when the socket is live; false otherwise (the caller keeps it for later). */
  send(frame: ClientFrame): boolean {
    if (this.#state !== 'live' || this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.hooks.onState(state);
  }

  #onOnline = () => {
    this.#attempt = 0;
    if (!this.#socket) {
      clearTimeout(this.#retryTimer);
      this.#open();
    }
  };

  // The browser knows before the socket does: don't wait for a ping to time out.
  // Keep trying slowly anyway, in case the browser's idea of "offline" is wrong.
  #onOffline = () => {
    this.#drop();
    this.#setState('offline');
    this.#retryLater();
  };

  #retryLater(): void {
    clearTimeout(this.#retryTimer);
    if (!this.#stopped) this.#retryTimer = setTimeout(() => this.#open(), backoffDelay(this.#attempt++, Math.random()));
  }

  #open(): void {
    if (this.#stopped || this.#socket) return;
    this.#setState('connecting');
    const socket = new WebSocket(this.url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    this.#socket = socket;
    this.#caughtUp = false;
    let opened = false;
    socket.onopen = async () => {
      opened = true;
      this.#setState('syncing');
      try {
        // `batch`: a catch-up comes a few hundred events per frame; each frame costs the page a task.
        socket.send(JSON.stringify({ type: 'hello', since: await this.hooks.since(), batch: true } satisfies ClientFrame));
        this.#startPing(socket);
      } catch {
        socket.close(); // could not tell where to resume: try again later
      }
    };
    socket.onmessage = (message) => this.#receive(socket, message.data);
    socket.onclose = (close) => {
      if (this.#socket !== socket) return;
      this.#drop();
      void this.#afterClose(close.code, opened);
    };
  }

  async #afterClose(code: number, opened: boolean): Promise<void> {
    // A refused upgrade looks like any network failure to a browser: ask the API which one it was.
    if ((code === 4401 || !opened) && (await this.hooks.isSignedOut())) {
      this.stop();
      this.#setState('signed-out');
      return;
    }
    this.#setState('offline');
    this.#retryLater();
  }

  #drop(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    this.#batch = undefined; // what it did not apply, the next hello fetches again
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
  }

  #startPing(socket: WebSocket): void {
    this.#pingTimer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.send(JSON.stringify({ type: 'ping' } satisfies ClientFrame));
      this.#pongTimer = setTimeout(() => socket.close(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  #receive(socket: WebSocket, data: unknown): void {
    if (socket !== this.#socket) return; // dropped: the next hello fetches what it still had to say
    let frame: ServerFrame;
    try {
      frame = parseServerFrame(JSON.parse(String(data)));
    } catch {
      return; // not a frame of the protocol: nothing to do with it
    }
    switch (frame.type) {
      case 'event':
        this.#onEvent(socket, frame);
        break;
      case 'events':
        for (const event of frame.events) this.#onEvent(socket, event);
        break;
      case 'ready':
        this.#caughtUp = true;
        this.#closeBatch(socket);
        this.#enqueue(async () => {
          if (socket !== this.#socket) return; // dropped meanwhile: the next hello catches up again
          await this.hooks.onReady(frame.position);
          this.#attempt = 0;
          this.#setState('live');
        });
        break;
      case 'presence':
        this.hooks.onPresence(frame.user, frame.online);
        break;
      case 'pong':
        clearTimeout(this.#pongTimer);
        break;
      case 'ack':
      case 'error':
        this.#closeBatch(socket);
        this.#enqueue(async () => this.hooks.onReply(frame));
        break;
    }
  }

  #onEvent(socket: WebSocket, frame: EventFrame): void {
    if (frame.event === 'user.typing') this.hooks.onTyping(frame);
    else this.#collect(socket, frame);
  }

  /**
   * Gathers events into batches: a catch-up is held until `ready` (or a full
   * batch), so it lands in a few transactions and the UI redraws a few times,
   * not once per event; a live event goes at once, and those arriving while
   * it is applied gather into the next batch.
   */
  #collect(socket: WebSocket, frame: EventFrame): void {
    if (this.#batch && this.#batch.frames.length >= MAX_BATCH) this.#closeBatch(socket);
    this.#batch ??= { frames: [], queued: false };
    this.#batch.frames.push(frame);
    if (this.#caughtUp) this.#queueBatch(socket);
  }

  /** Puts the pending batch in line; until its turn comes, later events still join it. */
  #queueBatch(socket: WebSocket): void {
    const batch = this.#batch;
    if (!batch || batch.queued) return;
    batch.queued = true;
    this.#enqueue(async () => {
      if (this.#batch === batch) this.#batch = undefined;
      if (socket !== this.#socket) return; // dropped: the next hello fetches these again
      try {
        await this.hooks.onEvents(batch.frames);
      } catch (error) {
        // Later events must not be stored past these: reconnect and resume from what was stored.
        console.error('ChatterLink: applying events failed', error);
        if (socket !== this.#socket) return;
        this.#drop();
        this.#setState('offline');
        this.#retryLater();
      }
    });
  }

  /** Queues the pending batch ahead of a frame that must be handled after it. */
  #closeBatch(socket: WebSocket): void {
    this.#queueBatch(socket);
    this.#batch = undefined;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => console.error('ChatterLink: handling a frame failed', error));
  }
}
