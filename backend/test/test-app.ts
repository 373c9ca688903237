import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { App } from '../src/app/create-app';
import { parseConfig, type Config } from '../src/config/config';
import type { Secrets } from '../src/config/secrets';
import type { DatabaseHandle } from '../src/db/database';
import type { GatewayLimits } from '../src/realtime/gateway';
import type { BusTarget, Realtime } from '../src/realtime/realtime';
import { startServer } from '../src/server/start-server';
import type { TestEngine } from './engines';
import { TestSocket } from './ws-client';

/** A running node (uWS front, Koa, gateway) on an ephemeral loopback port, over a fresh database. */
export interface TestServer {
  readonly url: string;
  readonly app: App;
  readonly realtime: Realtime;
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly secrets: Secrets;
  close(): Promise<void>;
}

export async function startTestServer(
  engine: TestEngine,
  env: Record<string, string> = {},
  database?: DatabaseHandle,
  logger: Logger = pino({ level: 'silent' }),
  secrets: Secrets = { secretKey: randomBytes(32).toString('base64url'), eventKey: randomBytes(32) },
  limits?: Partial<GatewayLimits>,
): Promise<TestServer> {
  const config = parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', INSTANCE_DIR: '/nonexistent', PORT: '0', ...env });
  const db = database ?? (await engine.open());
  const url = (db as { url?: string }).url;
  const bus: BusTarget = config.redisUrl ? { kind: 'redis', url: config.redisUrl } : url ? { kind: 'postgres', url } : { kind: 'local' };
  const server = await startServer({ config, secrets, database: db, logger, bus, staticDir: '/nonexistent', ...(limits ? { limits } : {}) });
  return { url: server.url, app: server.app, realtime: server.realtime, config, database: db, secrets, close: () => server.close() };
}

/** A browser-like client: keeps the session cookie and sends the CSRF token on unsafe requests. */
export class TestClient {
  cookie: string | undefined;
  csrfToken: string | undefined;
  bearer: string | undefined;
  user: { id: string; username: string; isAdmin: boolean } | undefined;

  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const all: Record<string, string> = { ...headers };
    if (body !== undefined) all['content-type'] ??= 'application/json';
    if (this.cookie) all.cookie = this.cookie;
    if (this.bearer) all.authorization = `Bearer ${this.bearer}`;
    if (this.csrfToken && !['GET', 'HEAD'].includes(method) && !('x-csrf-token' in all)) all['x-csrf-token'] = this.csrfToken;
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: all,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const value = /cl_session=([^;]*)/.exec(setCookie)?.[1];
      this.cookie = value ? `cl_session=${value}` : undefined;
    }
    const text = await response.text();
    const json = text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, json, text };
  }

  get(path: string) {
    return this.request('GET', path);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body ?? {}, headers);
  }

  /** Opens a WebSocket with this client's session, as its browser tab would (same Origin). */
  socket(): Promise<TestSocket> {
    return TestSocket.open(this.baseUrl, { cookie: this.cookie, bearer: this.bearer, origin: this.baseUrl });
  }

  /** Registers (or logs in, if `login`) and keeps the session. */
  async signUp(username: string, password = 'correct horse battery') {
    const res = await this.post('/api/auth/register', { username, password });
    if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${res.text}`);
    this.csrfToken = res.json.csrfToken;
    this.user = res.json.user;
    return this;
  }
}
