import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A free loopback TCP port (the probe closes before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/** How a node process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * The real server (`backend/src/main.ts`) in a child process on a fixed port,
 * so it can be killed with SIGKILL and started again at the same address.
 * Its stdout and stderr are kept in `output`.
 */
export class NodeProcess {
  output = '';
  #child: ChildProcess | undefined;
  #exited: Promise<Exit> | undefined;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Spawns a node and waits until `/healthz` answers 200. */
  static async start(env: Record<string, string>): Promise<NodeProcess> {
    const node = new NodeProcess(await freePort(), env);
    await node.restart();
    return node;
  }

  /** Spawns the process without waiting for it to be healthy. */
  spawn(): Promise<Exit> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'backend/src/main.ts'], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    return this.#exited;
  }

  /** (Re)starts the node at its port and waits until it is healthy. */
  async restart(timeoutMs = 30_000): Promise<void> {
    const exited = this.spawn();
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !gone) {
      if (await fetch(`${this.url}/healthz`).then((r) => r.ok, () => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.kill();
    throw new Error(`node on port ${this.port} did not become healthy:\n${this.output.slice(-2000)}`);
  }

  /** Resident memory of the server process, from /proc (Linux). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.#child!.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  /** Whether the process is alive (it may have crashed by itself). */
  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** kill -9, and waits until the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.#child!.kill('SIGKILL');
    await this.#exited;
  }
}

/** The environment of a test node on `databaseUrl`, with fresh keys (share it between nodes of one cluster). */
export function nodeEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    SECRET_KEY: randomBytes(32).toString('base64url'),
    EVENT_KEY: randomBytes(32).toString('base64url'),
    NODE_ENV: 'test',
    INSTANCE_DIR: '/nonexistent',
    ...extra,
  };
}
