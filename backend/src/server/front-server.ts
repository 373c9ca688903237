import { mkdtemp, chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as uWS from 'uWebSockets.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { removeStaleSocketDirs, SOCKET_DIR_PREFIX, SOCKET_FILE } from './stale-socket-dirs';

/** The single public listener of a node. */
export interface FrontServer {
  /** The TCP port actually bound (the ephemeral one when asked for port 0). */
  readonly port: number;
  /** The private unix socket the request handler is served on; gone after `close()`. */
  readonly socketPath: string;
  /**
   * Stops accepting connections, lets in-flight HTTP exchanges finish (for a
   * few seconds at most, then cuts them), closes every remaining connection,
   * the private server and its socket file.
   */
  close(): Promise<void>;
}

/** What `startFrontServer` needs. */
export interface FrontServerOptions {
  host: string;
  /** 0 picks an ephemeral port; the bound one is reported as `FrontServer.port`. */
  port: number;
  /** Node request listener every proxied request goes to, e.g. `koaApp.callback()`. */
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /**
   * Whether a reverse proxy in front of us may be believed about
   * X-Forwarded-For/-Proto/-Host. When false those are replaced by what we see.
   */
  trustProxy: boolean;
  /** Registers routes uWS serves itself (e.g. `app.ws('/ws', …)`); runs before the catch-all. */
  configure?: (app: TemplatedApp) => void;
}

/**
 * Starts uWebSockets.js on host:port. Every HTTP request except those the
 * caller registers through `configure` (e.g. app.ws('/ws', ...)) is proxied to
 * `handler` (a Node (req,res) request listener, e.g. koaApp.callback()) served
 * by a private node:http server listening on a unix socket (mode 0600, in a
 * mode-0700 directory under os.tmpdir(), removed on close; what killed nodes
 * left there is removed by the next node that starts).
 *
 * Request and response bodies are streamed with backpressure in both
 * directions; the handler sees X-Forwarded-* set by us (see `trustProxy`).
 */
export async function startFrontServer(options: FrontServerOptions): Promise<FrontServer> {
  const upstream = await startUpstream(options.handler);
  const exchanges = new Set<ProxyExchange>();
  const app = uWS.App();
  let listenSocket: uWS.us_listen_socket;
  try {
    options.configure?.(app);
    const target: UpstreamTarget = { socketPath: upstream.socketPath, agent: upstream.agent, trustProxy: options.trustProxy, exchanges };
    app.any('/*', (res, req) => proxy(res, req, target));
    listenSocket = await listen(app, options.host, options.port);
  } catch (error) {
    app.close();
    await upstream.close();
    throw error;
  }
  const port = uWS.us_socket_local_port(listenSocket as uWS.us_socket);
  let closing: Promise<void> | undefined;
  return {
    port,
    socketPath: upstream.socketPath,
    close() {
      closing ??= (async () => {
        uWS.us_listen_socket_close(listenSocket);
        await settle(exchanges, CLOSE_GRACE_MS);
        // Forcibly ends what is left: idle keep-alive connections, stuck exchanges
        // (their onAborted destroys the upstream request) and any WebSocket.
        app.close();
        await upstream.close();
      })();
      return closing;
    },
  };
}

/** How long `close()` waits for in-flight exchanges before cutting them. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, so they
 * never cross the proxy in either direction. `expect` is answered by uWS
 * itself (it sends 100 Continue), so the handler must not see it again.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'expect']);

/**
 * Response headers uWS writes itself: forwarding the handler's copies would
 * send them twice (uWS adds Date always, Content-Length on end/tryEnd).
 */
const WRITTEN_BY_UWS = new Set(['date', 'content-length']);

/** Client-supplied forwarding headers that we replace when the proxy is not trusted. */
const SPOOFABLE = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip'];

// ---------------------------------------------------------------------------
// The private upstream server

interface Upstream {
  readonly socketPath: string;
  readonly agent: http.Agent;
  close(): Promise<void>;
}

/** Serves `handler` on a fresh unix socket that only this user can reach. */
async function startUpstream(handler: FrontServerOptions['handler']): Promise<Upstream> {
  // Nodes that were killed left theirs behind; the sweep leaves every live one alone and delays nobody.
  void removeStaleSocketDirs(tmpdir());
  // A private 0700 directory: the socket is unreachable by others even in the
  // instant between bind() and chmod(), which a bare socket in /tmp is not.
  const dir = await mkdtemp(join(tmpdir(), SOCKET_DIR_PREFIX));
  const socketPath = join(dir, SOCKET_FILE);
  const server = http.createServer(handler);
  // Our agent drops idle sockets long before the server would, so a request
  // never lands on a connection the server is closing at that instant.
  server.keepAliveTimeout = 5 * 60_000;
  const agent = new http.Agent({ keepAlive: true, timeout: 60_000 });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: socketPath }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await chmod(socketPath, 0o600);
  } catch (error) {
    server.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    socketPath,
    agent,
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Nothing should be left by now (close() drained the exchanges), but a
        // stray connection must not keep us waiting.
        server.closeAllConnections();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** uWS.js accepts listen options with a host too, and exports the option; its typings declare neither. */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void) => TemplatedApp;
const { LIBUS_LISTEN_EXCLUSIVE_PORT } = uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number };

/**
 * Binds uWS; uWS reports failure (port taken, bad host) as a `false` socket.
 * The port is exclusive: by default uSockets sets SO_REUSEPORT, so a second
 * server started on the same port (another node, an old process not yet
 * gone) would silently get a share of the connections instead of failing.
 */
function listen(app: TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    (app as unknown as { listen: ListenWithOptions }).listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`uWebSockets.js could not listen on ${host}:${port}`));
    });
  });
}

/** Resolves when `exchanges` is empty or after `ms`, whichever comes first. */
async function settle(exchanges: Set<ProxyExchange>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (exchanges.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

// ---------------------------------------------------------------------------
// Reading the uWS request

interface UpstreamTarget {
  readonly socketPath: string;
  readonly agent: http.Agent;
  readonly trustProxy: boolean;
  readonly exchanges: Set<ProxyExchange>;
}

/** Everything needed from the uWS request, copied while it is still valid. */
interface CopiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

/** The catch-all route: copy the request synchronously, then hand it to an exchange. */
function proxy(res: HttpResponse, req: HttpRequest, target: UpstreamTarget): void {
  // `req` is stack-allocated by uWS and dies when this function returns.
  const request = copyRequest(req, res, target.trustProxy);
  const exchange = new ProxyExchange(res, request, target);
  exchange.start();
}

function copyRequest(req: HttpRequest, res: HttpResponse, trustProxy: boolean): CopiedRequest {
  const method = typeof req.getCaseSensitiveMethod === 'function' ? req.getCaseSensitiveMethod() : req.getMethod().toUpperCase();
  const query = req.getQuery();
  const path = percentEncodeNonAscii(req.getUrl() + (query ? `?${query}` : ''));
  const headers = copyHeaders(req);
  // uWS has de-chunked the body; telling Node it is chunked makes it re-frame
  // it the same way. A Content-Length next to it would be a smuggling attempt.
  if (headers['transfer-encoding'] !== undefined) {
    headers['transfer-encoding'] = 'chunked';
    delete headers['content-length'];
  }
  for (const token of (headers.connection ?? '').split(',')) {
    const name = token.trim().toLowerCase();
    if (name && name !== 'transfer-encoding') delete headers[name];
  }
  for (const name of HOP_BY_HOP) if (name !== 'transfer-encoding') delete headers[name];
  setForwardedHeaders(headers, peerAddress(res), trustProxy);
  return { method, path, headers };
}

/** All request headers, repeated ones folded into one value as RFC 9110 allows. */
function copyHeaders(req: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    const bytes = toLatin1Bytes(value);
    const previous = headers[name];
    headers[name] = previous === undefined ? bytes : `${previous}${name === 'cookie' ? '; ' : ', '}${bytes}`;
  });
  return headers;
}

/**
 * uWS decodes the raw request target as UTF-8, and Node's parser refuses
 * non-ASCII bytes in a path (400): percent-encode them (RFC 3987 §3.1), which
 * is what browsers send anyway and means the same resource.
 */
function percentEncodeNonAscii(target: string): string {
  return target.replace(/[^\x21-\x7e]+/g, (run) =>
    Array.from(Buffer.from(run, 'utf8'), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * uWS hands header values over as JS strings while Node writes them to the
 * wire as latin1 and rejects code points above 255: send a non-ASCII value as
 * its UTF-8 bytes, one char per byte. (This uWS build actually cuts a value
 * at its first non-ASCII byte; this keeps whatever it does pass intact.)
 */
function toLatin1Bytes(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/**
 * X-Forwarded-*: the handler trusts these unconditionally (its only client is
 * us), so they must carry either what we saw ourselves or, behind a trusted
 * proxy, that proxy's account extended with the hop we saw.
 */
function setForwardedHeaders(headers: Record<string, string>, peer: string, trustProxy: boolean): void {
  if (!trustProxy) {
    for (const name of SPOOFABLE) delete headers[name];
    headers['x-forwarded-for'] = peer;
    headers['x-forwarded-proto'] = 'http';
    return;
  }
  const forwardedFor = headers['x-forwarded-for']?.trim();
  headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
  headers['x-forwarded-proto'] = headers['x-forwarded-proto']?.trim() || 'http';
}

/**
 * The TCP peer's address in the usual textual form. uWS's own text is the
 * uncompressed IPv6 form ("0000:…:ffff:7f00:0001" for 127.0.0.1 on a
 * dual-stack socket), which would not match the IPs the rest of the system
 * compares against, so format the raw bytes ourselves.
 */
function peerAddress(res: HttpResponse): string {
  const bytes = new Uint8Array(res.getRemoteAddress());
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return Buffer.from(res.getRemoteAddressAsText()).toString() || 'unknown';
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.subarray(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The WHATWG URL parser prints IPv6 in RFC 5952 canonical (compressed) form.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

// ---------------------------------------------------------------------------
// One proxied exchange

/** How the response body travels to the client. */
type BodyMode = { kind: 'none'; reportedLength: string | undefined } | { kind: 'sized'; total: number } | { kind: 'chunked' };

function bodyMode(method: string, upstream: http.IncomingMessage): BodyMode {
  const status = upstream.statusCode ?? 502;
  const length = upstream.headers['content-length'];
  if (method.toUpperCase() === 'HEAD' || status === 204 || status === 304 || status < 200) {
    return { kind: 'none', reportedLength: method.toUpperCase() === 'HEAD' ? length : undefined };
  }
  if (length !== undefined && /^\d+$/.test(length)) return { kind: 'sized', total: Number(length) };
  return { kind: 'chunked' };
}

/**
 * One client request relayed to the handler and its response relayed back.
 *
 * The uWS response may be used only while `state` is 'open': after onAborted
 * or once the response completed, touching it throws, so every path that can
 * run later (upstream events, drains, onWritable) checks first.
 *
 * Flow control, as measured on this uWS build:
 * - res.pause() stops polling the socket altogether, writable included; a
 *   write that fails (backpressure) re-enables reading and writable polling.
 * - res.resume() re-enables reading only: called after a failed write, the
 *   socket is never polled for writable again and the response stalls.
 * Hence: input is paused only while output is flowing, and once output
 * blocks, input counts as resumed without calling resume().
 */
class ProxyExchange {
  private state: 'open' | 'aborted' | 'done' = 'open';
  private upstreamReq: http.ClientRequest | undefined;
  private upstreamRes: http.IncomingMessage | undefined;
  /** No more request body goes upstream: uWS sent the last chunk, or the response made it moot. */
  private requestEnded = false;
  /** The response completed while the client was still uploading. */
  private uploadAbandoned = false;
  /** We called res.pause() and no write has failed since. */
  private inputPaused = false;
  private waitingForDrain = false;
  /** The client socket is full: the upstream response is paused until onWritable. */
  private outputBlocked = false;
  /** Part of a tryEnd chunk uWS could not take yet, and the write offset it started at. */
  private pending: { chunk: Buffer; offset: number } | undefined;

  constructor(
    private readonly res: HttpResponse,
    private readonly request: CopiedRequest,
    private readonly target: UpstreamTarget,
  ) {}

  /** Must run synchronously inside the uWS route handler (onAborted/onData registration). */
  start(): void {
    this.target.exchanges.add(this);
    this.res.onAborted(() => this.onClientAborted());
    let upstreamReq: http.ClientRequest;
    try {
      upstreamReq = http.request({
        socketPath: this.target.socketPath,
        agent: this.target.agent,
        method: this.request.method,
        path: this.request.path,
        headers: this.request.headers,
      });
    } catch (error) {
      // Node refuses a few things uWS lets through (odd bytes in the path or a header).
      this.fail('400 Bad Request', 'bad_request', `The request cannot be forwarded: ${(error as Error).message}`);
      return;
    }
    this.upstreamReq = upstreamReq;
    upstreamReq.on('response', (upstreamRes) => this.onUpstreamResponse(upstreamRes));
    upstreamReq.on('error', (error) => this.onUpstreamError(error));
    this.res.onData((chunk, isLast) => this.onClientData(upstreamReq, chunk, isLast));
  }

  // --- request body: client → handler ---

  private onClientData(upstreamReq: http.ClientRequest, chunk: ArrayBuffer, isLast: boolean): void {
    if (this.requestEnded || upstreamReq.destroyed) return;
    // uWS neuters the buffer when we return: copy it now.
    const copy = Buffer.from(chunk.slice(0));
    if (isLast) {
      this.requestEnded = true;
      upstreamReq.end(copy.length > 0 ? copy : undefined);
      return;
    }
    if (copy.length > 0 && !upstreamReq.write(copy)) this.pauseInput(upstreamReq);
  }

  private pauseInput(upstreamReq: http.ClientRequest): void {
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      upstreamReq.once('drain', () => {
        this.waitingForDrain = false;
        this.resumeInput();
      });
    }
    // Pausing now would also stop the writable events we are waiting for.
    if (this.outputBlocked || this.inputPaused || this.state !== 'open') return;
    this.inputPaused = true;
    this.res.pause();
  }

  private resumeInput(): void {
    if (!this.inputPaused) return;
    this.inputPaused = false;
    if (this.state === 'open') this.res.resume();
  }

  /**
   * The response is about to complete: whatever the client still uploads is
   * read and dropped (e.g. after the handler refused a too-large body), so the
   * connection can serve its next request instead of stalling on a paused read.
   */
  private stopForwardingBody(): void {
    this.resumeInput();
    if (this.requestEnded) return;
    this.requestEnded = true;
    this.uploadAbandoned = true;
  }

  // --- response: handler → client ---

  private onUpstreamResponse(upstreamRes: http.IncomingMessage): void {
    this.upstreamRes = upstreamRes;
    if (this.state !== 'open') {
      upstreamRes.destroy();
      return;
    }
    upstreamRes.on('error', () => {}); // a broken response is handled on 'close'
    upstreamRes.on('close', () => this.onUpstreamResponseClosed(upstreamRes));
    const mode = bodyMode(this.request.method, upstreamRes);
    if (mode.kind === 'none') {
      this.sendWithoutBody(upstreamRes, mode.reportedLength);
      return;
    }
    this.res.cork(() => this.writeHead(upstreamRes));
    this.res.onWritable((offset) => this.onClientWritable(offset, upstreamRes, mode));
    if (mode.kind === 'sized') {
      upstreamRes.on('data', (chunk: Buffer) => this.sendSized(chunk, mode.total, upstreamRes));
      upstreamRes.on('end', () => this.endSized(mode.total));
    } else {
      upstreamRes.on('data', (chunk: Buffer) => this.sendChunk(chunk, upstreamRes));
      upstreamRes.on('end', () => this.endChunked());
    }
  }

  private writeHead(upstreamRes: http.IncomingMessage): void {
    const status = upstreamRes.statusCode ?? 502;
    this.res.writeStatus(`${status} ${upstreamRes.statusMessage || http.STATUS_CODES[status] || ''}`.trimEnd());
    const connectionTokens = new Set((upstreamRes.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()));
    // rawHeaders keeps repeats (each Set-Cookie on its own line) and the handler's casing.
    const raw = upstreamRes.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || WRITTEN_BY_UWS.has(lower) || connectionTokens.has(lower)) continue;
      // Node decoded the value as latin1: hand uWS those bytes, not their UTF-8 re-encoding.
      this.res.writeHeader(name, Buffer.from(raw[i + 1]!, 'latin1'));
    }
  }

  /** HEAD, 204, 304: headers only. */
  private sendWithoutBody(upstreamRes: http.IncomingMessage, reportedLength: string | undefined): void {
    this.stopForwardingBody();
    this.res.cork(() => {
      this.writeHead(upstreamRes);
      // endWithoutBody(n) with n > 0 leaves this uWS build waiting for n body
      // bytes that never come (the connection hangs); our own header does not.
      if (reportedLength !== undefined) this.res.writeHeader('Content-Length', reportedLength);
      this.res.endWithoutBody();
    });
    this.finish();
    upstreamRes.resume();
  }

  /** Known length: tryEnd streams exactly the `total` bytes its Content-Length announces. */
  private sendSized(chunk: Buffer, total: number, upstreamRes: http.IncomingMessage): void {
    if (this.state !== 'open') return;
    this.res.cork(() => {
      const offset = this.res.getWriteOffset();
      if (offset + chunk.length >= total) this.stopForwardingBody();
      const [ok, done] = this.res.tryEnd(chunk, total);
      if (done) {
        this.finish();
      } else if (!ok) {
        // uWS took only part of it; onWritable continues from the offset it reports.
        this.pending = { chunk, offset };
        this.blockOutput(upstreamRes);
      }
    });
  }

  private endSized(total: number): void {
    // A non-empty body was completed by its last tryEnd (now or in onWritable).
    if (this.state !== 'open' || total !== 0) return;
    this.stopForwardingBody();
    this.res.cork(() => this.res.end());
    this.finish();
  }

  /** Unknown length: chunked transfer encoding, terminated by end(). */
  private sendChunk(chunk: Buffer, upstreamRes: http.IncomingMessage): void {
    if (this.state !== 'open' || chunk.length === 0) return;
    let ok = true;
    this.res.cork(() => {
      ok = this.res.write(chunk);
    });
    // write() kept what the socket refused; hold the source until it drains.
    if (!ok) this.blockOutput(upstreamRes);
  }

  private endChunked(): void {
    if (this.state !== 'open') return;
    this.stopForwardingBody();
    this.res.cork(() => this.res.end());
    this.finish();
  }

  private blockOutput(upstreamRes: http.IncomingMessage): void {
    this.outputBlocked = true;
    upstreamRes.pause();
    // The failed write re-enabled reading; resume() would now cancel the
    // writable polling we depend on (see the class comment).
    this.inputPaused = false;
  }

  /** uWS: the client socket takes data again. Returns whether our write went through. */
  private onClientWritable(offset: number, upstreamRes: http.IncomingMessage, mode: BodyMode): boolean {
    if (this.state !== 'open') return true;
    const pending = this.pending;
    if (mode.kind === 'sized' && pending) {
      const [ok, done] = this.res.tryEnd(pending.chunk.subarray(offset - pending.offset), mode.total);
      if (done) {
        this.finish();
        return true;
      }
      if (!ok) return false;
      this.pending = undefined;
    }
    if (this.outputBlocked) {
      this.outputBlocked = false;
      upstreamRes.resume();
    }
    return true;
  }

  // --- endings ---

  /** The response is complete: `res` is no longer ours to touch. */
  private finish(): void {
    if (this.state !== 'open') return;
    this.state = 'done';
    this.target.exchanges.delete(this);
    // An upstream connection left mid-body cannot carry another request.
    if (this.uploadAbandoned) this.upstreamReq?.destroy();
  }

  private onClientAborted(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.target.exchanges.delete(this);
    // The handler sees its req/res close, and the upstream connection is freed.
    this.upstreamReq?.destroy();
    this.upstreamRes?.destroy();
  }

  private onUpstreamError(error: Error): void {
    if (this.state !== 'open' || this.upstreamRes) return; // a broken response is handled on its 'close'
    this.fail('502 Bad Gateway', 'bad_gateway', `The application server is unavailable (${error.message}).`);
  }

  /** The handler's response stopped short: the client must not take it for complete. */
  private onUpstreamResponseClosed(upstreamRes: http.IncomingMessage): void {
    // `complete`: the whole message was parsed, even if we have not relayed it all yet.
    if (this.state !== 'open' || upstreamRes.complete) return;
    // Headers (and maybe part of the body) are out: only closing the
    // connection tells the client the response is truncated. Runs onAborted.
    this.res.close();
  }

  /** Answers with a JSON error; only possible before any byte of the response was written. */
  private fail(status: string, code: string, message: string): void {
    if (this.state !== 'open') return;
    // Reading and dropping the rest of an upload would be wasted work.
    const closeConnection = !this.requestEnded;
    this.requestEnded = true;
    this.resumeInput();
    this.res.cork(() => {
      this.res
        .writeStatus(status)
        .writeHeader('Content-Type', 'application/json; charset=utf-8')
        .end(JSON.stringify({ error: { code, message } }), closeConnection);
    });
    this.finish();
    this.upstreamReq?.destroy();
  }
}
