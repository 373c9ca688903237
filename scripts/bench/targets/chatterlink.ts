import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDatabase, dropDatabase } from '../lib/databases';
import { pin, stopChild, track, waitForLine } from '../lib/proc';
import type { ClientSpec } from '../loadgen/protocols';
import { SERVER_ENV, SERVER_NODE_FLAGS } from './server-env';
import { FANOUT_ROOM, latencyRoomOf, type Layout, type Target } from './target';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = join(ROOT, 'backend/dist/main.js');
const PASSWORD = 'bench-password-1';

interface BenchUser {
  readonly username: string;
  readonly cookie: string;
  readonly csrf: string;
}

/**
 * ChatterLink on its real path: the built server (`backend/dist/main.js`) in
 * production mode, on a fresh database of the Postgres server, with users
 * registered and rooms made through the public API. The database and the
 * users outlive server processes, so a fresh process can be measured on the
 * same data.
 */
export class ChatterLinkDeployment {
  readonly #users: BenchUser[] = [];
  readonly #rooms = new Map<string, string>();
  readonly #instanceDir = mkdtempSync(join(tmpdir(), 'chatterlink-bench-'));
  readonly #env: Record<string, string>;

  private constructor(
    readonly adminUrl: string,
    readonly databaseName: string,
    readonly databaseUrl: string,
  ) {
    this.#env = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      INSTANCE_DIR: this.#instanceDir,
      DATABASE_URL: databaseUrl,
      SECRET_KEY: randomBytes(48).toString('base64'),
      EVENT_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'info',
      // The per-connection limit (20 frames/s) guards against abusive clients; a load generator multiplexes many users.
      WS_RATE_LIMIT: '1000000',
      WS_RATE_BURST: '1000000',
    };
  }

  /** Creates a fresh database on the Postgres server at `adminUrl` (dropped by `drop`). */
  static async create(adminUrl: string): Promise<ChatterLinkDeployment> {
    const { name, url } = await createDatabase(adminUrl, 'chatterlink');
    return new ChatterLinkDeployment(adminUrl, name, url);
  }

  /**
   * Starts a server process on this deployment. It runs unpinned until its
   * users exist (scrypt is slow on purpose; registration is not measured),
   * then `clients()` pins it to `core`.
   */
  async start(core: number): Promise<ChatterLinkTarget> {
    // BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof") profiles the server under benchmark load.
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = track(spawn(process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, SERVER], { cwd: ROOT, env: { ...process.env, ...SERVER_ENV, ...this.#env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    const port = Number((await waitForLine(child, /listening on http:\/\/[\d.]+:(\d+)/))[1]);
    return new ChatterLinkTarget(this, child, port, core);
  }

  /** The highest position in the log: what an up-to-date client says in `hello`. */
  async head(): Promise<number> {
    return this.#query<{ head: string }>('select coalesce(max(position), 0)::text as head from events').then((rows) => Number(rows[0]!.head));
  }

  /** Backend pids serving this database (their CPU is ChatterLink's too). */
  async backendPids(): Promise<number[]> {
    const rows = await this.#query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.map((r) => r.pid);
  }

  async #query<Row>(text: string): Promise<Row[]> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text)).rows as Row[];
    } finally {
      await client.end();
    }
  }

  /**
   * Registers `count` users (once; later calls reuse them) and puts them in
   * the fan-out room and their latency rooms, through the HTTP API.
   */
  async ensureLayout(baseUrl: string, layout: Layout): Promise<void> {
    const { socketsPerUser } = layout;
    const users = layout.clients / socketsPerUser;
    if (this.#users.length >= users) return;
    const registered = this.#users.length;
    await parallel(users - registered, 8, async (k) => {
      this.#users[registered + k] = await register(baseUrl, `bench_${registered + k}`);
    });
    const roomOfUser = (u: number) => latencyRoomOf(u * socketsPerUser, layout);
    const creators = new Map<string, number>([[FANOUT_ROOM, 0]]);
    for (let u = 0; u < users; u++) if (!creators.has(roomOfUser(u))) creators.set(roomOfUser(u), u);
    await parallel(creators.size, 8, async (k) => {
      const [name, u] = [...creators][k]!;
      const answer = await call(baseUrl, this.#users[u]!, 'POST', '/api/rooms', { name: `bench ${name}` });
      this.#rooms.set(name, (answer as { room: { id: string } }).room.id);
    });
    await parallel(users, 8, async (u) => {
      for (const name of [FANOUT_ROOM, roomOfUser(u)]) {
        if (creators.get(name) !== u) await call(baseUrl, this.#users[u]!, 'POST', `/api/rooms/${this.#rooms.get(name)}/join`);
      }
    });
  }

  /** Sockets for the layout: `socketsPerUser` consecutive clients share a user (like tabs). */
  async clients(layout: Layout): Promise<ClientSpec[]> {
    const { socketsPerUser } = layout;
    const since = await this.head();
    return Array.from({ length: layout.clients }, (_, i) => ({
      headers: { cookie: this.#users[Math.floor(i / socketsPerUser)]!.cookie },
      rooms: [],
      since,
    }));
  }

  /** `n` idle sockets spread over the registered users (register some first). */
  async idleClients(n: number): Promise<ClientSpec[]> {
    const since = await this.head();
    return Array.from({ length: n }, (_, i) => ({ headers: { cookie: this.#users[i % this.#users.length]!.cookie }, rooms: [], since }));
  }

  /** A client of user `u`, for catch-up tests. */
  clientOf(u: number, since: number): ClientSpec {
    return { headers: { cookie: this.#users[u]!.cookie }, rooms: [], since };
  }

  roomId(name: string): string {
    const id = this.#rooms.get(name);
    if (!id) throw new Error(`no room ${name} in this deployment`);
    return id;
  }

  async drop(): Promise<void> {
    rmSync(this.#instanceDir, { recursive: true, force: true });
    await dropDatabase(this.adminUrl, this.databaseName);
  }
}

/** One running ChatterLink server process of a deployment. */
export class ChatterLinkTarget implements Target {
  readonly name = 'chatterlink';
  readonly endpoint;

  constructor(
    readonly deployment: ChatterLinkDeployment,
    private readonly child: ChildProcess,
    port: number,
    private readonly core: number,
  ) {
    this.endpoint = { host: '127.0.0.1', port, protocol: 'chatterlink' } as const;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.endpoint.port}`;
  }

  async serverPids(): Promise<number[]> {
    return [this.pid, ...(await this.deployment.backendPids())];
  }

  async clients(layout: Layout): Promise<ClientSpec[]> {
    await this.deployment.ensureLayout(this.baseUrl, layout);
    await pin(this.pid, this.core);
    return this.deployment.clients(layout);
  }

  async idleClients(n: number): Promise<ClientSpec[]> {
    await pin(this.pid, this.core);
    return this.deployment.idleClients(n);
  }

  roomId(name: string): string {
    return this.deployment.roomId(name);
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

async function register(baseUrl: string, username: string): Promise<BenchUser> {
  const response = await fetch(`${baseUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status} ${await response.text()}`);
  const token = /cl_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (!token) throw new Error('register: no session cookie');
  const body = (await response.json()) as { csrfToken: string };
  return { username, cookie: `cl_session=${token}`, csrf: body.csrfToken };
}

async function call(baseUrl: string, user: BenchUser, method: string, path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { 'content-type': 'application/json', cookie: user.cookie, 'x-csrf-token': user.csrf },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : response.json();
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight. */
export async function parallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
