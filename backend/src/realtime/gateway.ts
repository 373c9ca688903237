import { CLOSE, clientFrame, MAX_FRAME_BYTES, type ClientFrame, type ServerFrame } from '@chatterlink/schema/protocol';
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type * as uWS from 'uWebSockets.js';
import type { Config } from '../config/config';
import { toAppError } from '../errors/classify';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../errors/errors';
import type { RecordedChatEvent } from '../events';
import type { EventStore } from '../eventstore/store';
import { isAllowedOrigin } from '../http/auth';
import { readCookie, SESSION_COOKIE } from '../http/session-cookie';
import type { IdentityService, Principal } from '../identity/service';
import { LIVE_ONLY_EVENT_TYPES } from '../messages/events';
import type { MessagesService } from '../messages/service';
import { roomStream } from '../rooms/events';
import { Flag, has, mark, type Connection } from './connection';
import { toEventFrame } from './event-frame';
import type { FanOut } from './fan-out';
import type { Metrics } from './metrics';
import { packEventFrames } from './pack-events';
import { PublishWindow, type PublishHold } from './publish-window';
import type { RoomsOfLoader } from './rooms-of-loader';
import { takeToken } from './token-bucket';
import { roomOfTopic, topics } from './topics';

/** Tunables of the gateway; defaults suit a small team's server. */
export interface GatewayLimits {
  /** Frames per second a connection may send, and the burst above that. */
  readonly rate: number;
  readonly burst: number;
  /** Refusals inside one 10 s window after which the connection is closed with 1008. */
  readonly maxViolations: number;
  /** Buffered bytes above which a reader stops getting typing and presence. */
  readonly softBackpressure: number;
  /** Buffered bytes above which a reader is closed with 1008 (it catches up on reconnect). */
  readonly hardBackpressure: number;
  /** Events per catch-up page. */
  readonly catchUpPage: number;
  /** How long publishes wait after one to a large room, so that several leave in one write. */
  readonly publishHold: PublishHold;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  rate: 20,
  burst: 60,
  maxViolations: 30,
  softBackpressure: 256 * 1024,
  hardBackpressure: 4 * 1024 * 1024,
  catchUpPage: 500,
  // 1,000 subscribers wait the whole 20 ms; rooms under 50 never wait.
  publishHold: { maxMs: 20, usPerSubscriber: 20 },
};

/** How long an ended session is remembered for upgrades still in flight. */
const ENDED_SESSION_MEMORY_MS = 60_000;

/** Refusals of one socket counted in the 10 s window that began at `since`. */
interface Violations {
  count: number;
  since: number;
}

type Socket = WebSocket<Connection>;

/**
 * The WebSocket gateway on `/ws`: authenticates the upgrade, turns frames
 * into commands, streams catch-up then live events, and keeps each socket
 * subscribed to exactly the rooms its user is in.
 */
export class Gateway {
  readonly #byUser = new Map<string, Set<Socket>>();
  #connections = 0;
  /**
   * Sessions ended lately, by when. An upgrade whose session check read the
   * session just before its end was committed opens after the end was
   * delivered: it finds the session here and is closed at once.
   */
  readonly #endedSessions = new Map<string, number>();
  /** Only sockets that were refused a frame have an entry; it goes with the socket. */
  readonly #violations = new WeakMap<Socket, Violations>();
  #publisher: PublishWindow | undefined;
  #sweeper: NodeJS.Timeout | undefined;
  readonly #epoch = Date.now();

  constructor(
    private readonly deps: {
      readonly config: Config;
      readonly roomsOf: RoomsOfLoader;
      readonly store: EventStore;
      readonly identity: IdentityService;
      readonly messages: MessagesService;
      readonly fanOut: () => FanOut;
      readonly metrics: Metrics;
      readonly logger: Logger;
      readonly onConnected: (userId: string) => void;
      readonly onDisconnected: (userId: string) => void;
      readonly limits: GatewayLimits;
    },
  ) {}

  get connectionCount(): number {
    return this.#connections;
  }

  /** Registers `/ws` on the uWS app and starts the backpressure sweep. */
  attach(app: TemplatedApp): void {
    this.#publisher = new PublishWindow(app, this.deps.limits.publishHold);
    const { limits } = this.deps;
    app.ws<Connection>('/ws', {
      // Frames up to 256 KiB reach `message`, which closes anything over 64 KiB
      // with 1009 (uWS itself would drop the connection without a close code).
      maxPayloadLength: 4 * MAX_FRAME_BYTES,
      // uWS's own limit is only the memory backstop: far above the sweep's, so
      // the sweep (which sends a proper 1008 close) acts first.
      maxBackpressure: 4 * limits.hardBackpressure + 1024 * 1024,
      closeOnBackpressureLimit: true,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: (ws, message, isBinary) => this.#message(ws, message, isBinary),
      close: (ws) => this.#close(ws),
    });
    this.#sweeper = setInterval(() => this.#sweep(), 250);
    this.#sweeper.unref();
  }

  /** Closes every socket with 1001 (server going away). */
  shutdown(): void {
    clearInterval(this.#sweeper);
    this.#publisher?.flush();
    for (const set of this.#byUser.values()) for (const ws of set) this.#end(ws, CLOSE.goingAway, 'server shutting down');
  }

  /** Hands one event of the log to its subscribers; called by the fan-out in position order. */
  deliver(event: RecordedChatEvent): void {
    const publisher = this.#publisher;
    if (!publisher) return;
    if (event.type === 'room.joined') {
      for (const ws of this.#socketsOf(event.data.userId)) if (has(ws.getUserData(), Flag.ready)) this.#subscribeRoom(ws, event.data.roomId);
    }
    const frame = toEventFrame(event);
    if (frame) {
      const text = JSON.stringify(frame);
      // Readers keeping up get everything on `room/`; slow readers get durable events on `slow/`.
      let subscribers = publisher.publish(topics.room(frame.room), text);
      if (!LIVE_ONLY_EVENT_TYPES.includes(event.type)) subscribers += publisher.publish(topics.slow(frame.room), text);
      this.deps.metrics.deliveries.inc(subscribers);
      this.deps.metrics.published.inc();
    }
    if (event.type === 'room.left') {
      for (const ws of this.#socketsOf(event.data.userId)) this.#unsubscribeRoom(ws, event.data.roomId);
    }
    if (event.type === 'session.ended') {
      const { sessionId } = event.data;
      this.#rememberEnded(sessionId);
      for (const ws of this.#socketsOf(event.data.userId)) {
        if (ws.getUserData().principal.sessionId === sessionId) this.#end(ws, CLOSE.notAuthenticated, 'session ended');
      }
    }
  }

  /**
   * Tells everyone who shares a room with `userId` (the user's other tabs
   * included) that the user came online or went offline: one frame per room
   * of `rooms`, on the rooms' topics. Someone sharing several rooms with the
   * user gets it once per room (it is a state, so a repeat changes nothing);
   * slow readers get none (presence is live-only).
   */
  sendPresence(userId: string, online: boolean, rooms: readonly string[]): void {
    const publisher = this.#publisher;
    if (!publisher) return;
    const frame = JSON.stringify({ type: 'presence', user: userId, online } satisfies ServerFrame);
    for (const room of rooms) publisher.publish(topics.room(room), frame);
  }

  #socketsOf(userId: string): Socket[] {
    return [...(this.#byUser.get(userId) ?? [])];
  }

  #upgrade(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t): void {
    // uWS invalidates `req` at the first await: copy everything now.
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const origin = req.getHeader('origin');
    const host = req.getHeader('host');
    const forwardedProto = req.getHeader('x-forwarded-proto');
    const bearer = /^Bearer\s+(.+)$/i.exec(req.getHeader('authorization'))?.[1];
    const cookie = readCookie(req.getHeader('cookie'), SESSION_COOKIE);
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const refuse = (status: string, code: string, message: string) => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(status).writeHeader('Content-Type', 'application/json').end(JSON.stringify({ error: { code, message } }));
      });
    };
    void (async () => {
      try {
        const protocolName = this.deps.config.trustProxy && forwardedProto ? forwardedProto : 'http';
        if (origin && !isAllowedOrigin(origin, { protocol: protocolName, host }, this.deps.config)) {
          throw new ForbiddenError('This origin may not open a WebSocket here.', 'forbidden_origin');
        }
        const token = bearer ?? cookie;
        if (!token) throw new UnauthorizedError();
        const principal = await this.deps.identity.authenticate(token);
        // Finish in a fresh macrotask: a promise continuation can run inside
        // another socket's uWS callback, where uWS is parsing that socket's
        // request and would take our upgrade for its own.
        await new Promise((resolve) => setImmediate(resolve));
        if (aborted) return;
        const connection: Connection = { principal: this.#shared(principal), flags: 0, fullAt: 0 };
        // Not inside res.cork(): this uWS build's cork() misreads the freed HTTP
        // state after an upgrade and may close the new socket at once (1006).
        res.upgrade(connection, key, protocol, extensions, context);
      } catch (error) {
        const appError = toAppError(error);
        if (appError instanceof ForbiddenError) refuse('403 Forbidden', appError.code, appError.message);
        else if (appError instanceof UnauthorizedError) refuse('401 Unauthorized', appError.code, appError.message);
        else refuse('503 Service Unavailable', 'unavailable', 'Try again shortly.');
      }
    })();
  }

  /**
   * The Principal an open socket of the same session already holds, if it
   * says the same: tabs of one session then share one object instead of
   * keeping a copy each.
   */
  #shared(principal: Principal): Principal {
    for (const ws of this.#byUser.get(principal.user.id) ?? []) {
      const theirs = ws.getUserData().principal;
      if (theirs.sessionId === principal.sessionId && sameUser(theirs.user, principal.user)) return theirs;
    }
    return principal;
  }

  #open(ws: Socket): void {
    const { principal } = ws.getUserData();
    add(this.#byUser, principal.user.id, ws);
    this.#connections += 1;
    this.deps.metrics.connections.inc();
    this.deps.onConnected(principal.user.id);
    if (this.#endedSessions.has(principal.sessionId)) this.#end(ws, CLOSE.notAuthenticated, 'session ended');
  }

  #rememberEnded(sessionId: string): void {
    const now = Date.now();
    this.#endedSessions.set(sessionId, now);
    // Oldest first: forget what is older than any upgrade could still be.
    for (const [id, at] of this.#endedSessions) {
      if (now - at < ENDED_SESSION_MEMORY_MS) break;
      this.#endedSessions.delete(id);
    }
  }

  #close(ws: Socket): void {
    const data = ws.getUserData();
    mark(data, Flag.closed);
    remove(this.#byUser, data.principal.user.id, ws);
    this.#connections -= 1;
    this.deps.metrics.connections.dec();
    if (has(data, Flag.degraded)) this.deps.metrics.degraded.dec();
    this.deps.onDisconnected(data.principal.user.id);
  }

  #message(ws: Socket, message: ArrayBuffer, isBinary: boolean): void {
    const data = ws.getUserData();
    this.deps.metrics.framesIn.inc();
    if (message.byteLength > MAX_FRAME_BYTES) return this.#end(ws, CLOSE.tooLarge, 'frame too large');
    if (!takeToken(data, this.#now(), this.deps.limits.rate, this.deps.limits.burst)) {
      this.#violation(ws);
      return this.#sendError(ws, new RateLimitedError(1, 'Too many frames; slow down.'));
    }
    if (isBinary) return this.#refuse(ws, undefined, 'invalid_frame', 'Frames must be JSON text.');
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(message).toString('utf8'));
    } catch {
      return this.#refuse(ws, undefined, 'invalid_json', 'The frame is not valid JSON.');
    }
    const parsed = clientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const id = typeof (json as { id?: unknown })?.id === 'string' ? ((json as { id: string }).id.slice(0, 64)) : undefined;
      const field = issue.path.join('.') || undefined;
      return this.#refuse(ws, id, 'invalid_input', field ? `${field}: ${issue.message}` : issue.message, field);
    }
    void this.#dispatch(ws, parsed.data).catch((error: unknown) => this.#sendError(ws, error, 'id' in parsed.data ? parsed.data.id : undefined));
  }

  async #dispatch(ws: Socket, frame: ClientFrame): Promise<void> {
    const { principal } = ws.getUserData();
    const { messages } = this.deps;
    const started = performance.now();
    switch (frame.type) {
      case 'ping':
        return this.#send(ws, { type: 'pong' });
      case 'hello':
        return this.#hello(ws, frame.since, frame.batch === true);
      case 'typing':
        await messages.typing(principal, frame.room);
        return;
      case 'read':
        await messages.read(principal, { roomId: frame.room, position: frame.position });
        return;
      case 'send':
      case 'edit':
      case 'delete':
      case 'react': {
        const ack =
          frame.type === 'send'
            ? await messages.send(principal, { id: frame.id, roomId: frame.room, body: frame.body })
            : frame.type === 'edit'
              ? await messages.edit(principal, { commandId: frame.id, messageId: frame.message, body: frame.body })
              : frame.type === 'delete'
                ? await messages.delete(principal, { commandId: frame.id, messageId: frame.message })
                : await messages.react(principal, { commandId: frame.id, messageId: frame.message, emoji: frame.emoji });
        this.deps.metrics.acks.inc();
        this.deps.metrics.ackLatency.observe((performance.now() - started) / 1000);
        return this.#send(ws, { type: 'ack', id: frame.id, position: ack.position, ...(ack.duplicate ? { duplicate: true } : {}) });
      }
    }
  }

  /**
   * Streams every event after `since` in the user's rooms, page by page, then
   * subscribes to live events at exactly the position the fan-out has
   * delivered up to, and says `ready`. The subscribe happens in the same tick
   * as the check that the catch-up reached the fan-out's position, so no event
   * falls between the two and none arrives twice. With `batch`, the pages go
   * out packed into `events` frames.
   */
  async #hello(ws: Socket, since: number, batch: boolean): Promise<void> {
    const data = ws.getUserData();
    if (has(data, Flag.helloStarted)) return this.#refuse(ws, undefined, 'invalid_input', 'hello may be sent once per connection.');
    mark(data, Flag.helloStarted);
    const userId = data.principal.user.id;
    const { limits } = this.deps;
    let after = since;
    for (;;) {
      const target = this.deps.fanOut().position;
      const rooms = await this.deps.roomsOf.load(userId);
      // A client already at `target` (most reconnects) has nothing to read.
      const page = after < target ? await this.#catchUpPage(after, target, rooms) : [];
      if (has(data, Flag.closed)) return;
      const frames: string[] = [];
      for (const event of page) {
        const frame = toEventFrame(event);
        if (frame) frames.push(JSON.stringify(frame));
      }
      for (const text of batch ? packEventFrames(frames, MAX_FRAME_BYTES) : frames) this.#sendText(ws, text);
      if (page.length === limits.catchUpPage) {
        after = page.at(-1)!.position;
        await this.#drained(ws);
        continue;
      }
      after = target;
      if (this.deps.fanOut().position !== target) continue;
      for (const room of rooms) this.#subscribeRoom(ws, room);
      mark(data, Flag.ready);
      this.#send(ws, { type: 'ready', position: target });
      return;
    }
  }

  async #catchUpPage(after: number, upTo: number, rooms: readonly string[]): Promise<RecordedChatEvent[]> {
    this.deps.metrics.catchUpPages.inc();
    return this.deps.store.read({
      after,
      upTo,
      limit: this.deps.limits.catchUpPage,
      streams: rooms.map(roomStream),
      excludeTypes: LIVE_ONLY_EVENT_TYPES,
      // The fan-out delivers only committed events, and positions are taken
      // in commit order, so every row up to `upTo` is committed: read them
      // all, even while an unrelated transaction holds back the xmin horizon
      // (that rule would hide the newest ones and leave a gap at hand-over).
      allCommitted: true,
    });
  }

  /** Waits until the socket's send buffer is below the soft limit (or it closed). */
  async #drained(ws: Socket): Promise<void> {
    while (!has(ws.getUserData(), Flag.closed) && ws.getBufferedAmount() > this.deps.limits.softBackpressure) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #subscribeRoom(ws: Socket, roomId: string): void {
    const data = ws.getUserData();
    if (has(data, Flag.closed)) return;
    this.#publisher?.flush();
    ws.subscribe(has(data, Flag.degraded) ? topics.slow(roomId) : topics.room(roomId));
  }

  #unsubscribeRoom(ws: Socket, roomId: string): void {
    if (has(ws.getUserData(), Flag.closed)) return;
    this.#publisher?.flush();
    ws.unsubscribe(topics.room(roomId));
    ws.unsubscribe(topics.slow(roomId));
  }

  /**
   * Moves every room of the socket between `room/` and `slow/`. Held
   * publishes go out first, uWS sends what was published before a
   * subscription change first, and nothing is published in between (one
   * tick), so no durable event is lost or doubled.
   */
  #setDegraded(ws: Socket, degraded: boolean): void {
    mark(ws.getUserData(), Flag.degraded, degraded);
    if (degraded) this.deps.metrics.degraded.inc();
    else this.deps.metrics.degraded.dec();
    const [from, to] = degraded ? [topics.room, topics.slow] : [topics.slow, topics.room];
    this.#publisher?.flush();
    for (const topic of ws.getTopics()) {
      const room = roomOfTopic(topic);
      if (topic !== from(room)) continue;
      ws.subscribe(to(room));
      ws.unsubscribe(topic);
    }
  }

  /**
   * Every 250 ms: a reader falling behind first stops receiving live-only
   * frames (typing, presence); past the hard limit it is closed with 1008 and
   * catches up when it reconnects. Durable events are never dropped silently.
   */
  #sweep(): void {
    const { softBackpressure, hardBackpressure } = this.deps.limits;
    for (const set of this.#byUser.values()) {
      for (const ws of set) {
        const data = ws.getUserData();
        const buffered = ws.getBufferedAmount();
        if (buffered > hardBackpressure) {
          this.#end(ws, CLOSE.policy, 'reader too slow');
        } else if (!has(data, Flag.degraded) && buffered > softBackpressure) {
          this.#setDegraded(ws, true);
        } else if (has(data, Flag.degraded) && buffered < softBackpressure / 4) {
          this.#setDegraded(ws, false);
        }
      }
    }
  }

  /** Milliseconds since the gateway started: the rate limit's clock, whose counts stay small integers. */
  #now(): number {
    return Date.now() - this.#epoch;
  }

  #violation(ws: Socket): void {
    const now = this.#now();
    let violations = this.#violations.get(ws);
    if (!violations || now - violations.since > 10_000) {
      violations = { count: 0, since: now };
      this.#violations.set(ws, violations);
    }
    violations.count += 1;
    if (violations.count > this.deps.limits.maxViolations) this.#end(ws, CLOSE.policy, 'rate limit exceeded');
  }

  #refuse(ws: Socket, id: string | undefined, code: string, message: string, field?: string): void {
    this.deps.metrics.errors.inc({ code });
    this.#send(ws, { type: 'error', ...(id ? { id } : {}), code, message, ...(field ? { field } : {}) });
  }

  /** The one place errors become `error` frames. Unknown errors are logged, not leaked. */
  #sendError(ws: Socket, error: unknown, id?: string): void {
    const appError = toAppError(error);
    if (!appError) {
      this.deps.logger.error({ err: error }, 'unhandled error in WebSocket command');
      return this.#refuse(ws, id, 'internal_error', 'Something went wrong on our side.');
    }
    this.deps.metrics.errors.inc({ code: appError.code });
    this.#send(ws, { type: 'error', ...(id ? { id } : {}), code: appError.code, message: appError.message, ...appError.details });
  }

  #send(ws: Socket, frame: ServerFrame): void {
    this.#sendText(ws, JSON.stringify(frame));
  }

  #sendText(ws: Socket, text: string): void {
    if (has(ws.getUserData(), Flag.closed)) return;
    ws.send(text);
    this.deps.metrics.framesOut.inc();
  }

  #end(ws: Socket, code: number, reason: string): void {
    const data = ws.getUserData();
    if (has(data, Flag.closed)) return;
    this.deps.metrics.closes.inc({ code: String(code) });
    mark(data, Flag.closed);
    ws.end(code, reason);
  }
}

function sameUser(a: Principal['user'], b: Principal['user']): boolean {
  return a.id === b.id && a.username === b.username && a.isAdmin === b.isAdmin;
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
