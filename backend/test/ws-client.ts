import type { ServerFrame } from '@chatterlink/schema/protocol';
import WebSocket from 'ws';

type AnyFrame = ServerFrame & Record<string, unknown>;

/** A WebSocket client that records every frame and can wait for one. */
export class TestSocket {
  readonly frames: AnyFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  lastError: string | undefined;
  readonly #waiters: { predicate: (f: AnyFrame) => boolean; resolve: (f: AnyFrame) => void }[] = [];
  readonly #closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as AnyFrame;
      this.frames.push(frame);
      for (const waiter of [...this.#waiters]) {
        if (waiter.predicate(frame)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    // After the handshake an error is only reported here (and in the close that follows).
    ws.on('error', (error) => (this.lastError = error.message));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#closeWaiters.forEach((w) => w(this.closed!));
    });
  }

  /** Opens `/ws`; rejects with the HTTP status if the upgrade is refused. */
  static open(baseUrl: string, auth: { cookie?: string | undefined; bearer?: string | undefined; origin?: string }): Promise<TestSocket> {
    const headers: Record<string, string> = {};
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws`, { headers, ...(auth.origin ? { origin: auth.origin } : {}) });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or future) matching `predicate`. */
  waitFor(predicate: (f: AnyFrame) => boolean, timeoutMs = 10_000): Promise<AnyFrame> {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for a frame; got ${JSON.stringify(this.frames.slice(-5))} (closed: ${JSON.stringify(this.closed)}, error: ${this.lastError})`)), timeoutMs);
      this.#waiters.push({ predicate, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  /** Sends `hello` (asking for packed catch-up frames with `batch`) and waits for `ready`. */
  async hello(since = 0, batch?: boolean): Promise<AnyFrame> {
    this.send({ type: 'hello', since, ...(batch === undefined ? {} : { batch }) });
    return this.waitFor((f) => f.type === 'ready', 30_000);
  }

  waitForClose(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), timeoutMs);
      this.#closeWaiters.push((c) => (clearTimeout(timer), resolve(c)));
    });
  }

  /** Event frames received so far, optionally of one type. */
  events(type?: string): AnyFrame[] {
    return this.frames.filter((f) => f.type === 'event' && (!type || f.event === type));
  }

  close(): void {
    this.ws.close();
  }
}
