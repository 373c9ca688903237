import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** A real ChatterLink server (built backend + built PWA) on an ephemeral port over a fresh embedded database. */
export interface E2eServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `backend/dist/main.js` from the repository root (so it serves
 * frontend/dist) with its own instance directory, and waits for its address.
 */
export async function startServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const instance = mkdtempSync(join(tmpdir(), 'chatterlink-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['backend/dist/main.js'], {
    cwd: repo,
    env: { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '0', INSTANCE_DIR: instance, LOG_LEVEL: 'info', DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60_000);
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
