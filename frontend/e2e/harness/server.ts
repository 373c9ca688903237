import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** A real ChatterLink server (built backend + built PWA) on an ephemeral port over a fresh embedded database. */
export interface E2eServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Options of a test server. */
export interface ServerOptions {
  env?: Record<string, string>;
  /** Serve a private copy of the built PWA (under `<staticRoot>/frontend/dist`) that the test may change. */
  copyApp?: boolean;
}

/**
 * Starts the server as it ships (`scripts/serve`: `backend/dist/main.js` with
 * its Node flags; serving frontend/dist) with its own instance directory and
 * an ephemeral port, and waits for its address.
 */
export async function startServer(options: ServerOptions = {}): Promise<E2eServer & { staticRoot: string }> {
  const instance = mkdtempSync(join(tmpdir(), 'chatterlink-e2e-'));
  // The server serves `frontend/dist` relative to its working directory.
  const cwd = options.copyApp ? join(instance, 'cwd') : repo;
  if (options.copyApp) cpSync(join(repo, 'frontend/dist'), join(cwd, 'frontend/dist'), { recursive: true });
  // A fresh embedded database every time, whatever the caller's environment points at.
  const { DATABASE_URL: _db, REDIS_URL: _redis, SOCKETIO_MESSAGE_QUEUE: _queue, ...inherited } = process.env;
  const env = { ...inherited, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', INSTANCE_DIR: join(instance, 'instance'), LOG_LEVEL: 'info', ...options.env };
  const child: ChildProcess = spawn(join(repo, 'scripts/serve'), [], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 100 s:\n${output}`)), 100_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    staticRoot: join(cwd, 'frontend/dist'),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(instance, { recursive: true, force: true });
    },
  };
}
