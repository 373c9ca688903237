import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './node-process';

const run = promisify(execFile);

/** The newest Postgres server binaries installed (Debian layout). */
function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) throw new Error('no Postgres binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions.at(-1)}/bin`;
}

/** Postgres refuses to run as root: as root, its tools run as the `postgres` user. */
const asRoot = process.getuid?.() === 0;

async function pgTool(tool: string, args: string[]): Promise<string> {
  const command = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir(), tool), ...args]] as const : [join(binDir(), tool), args] as const;
  const { stdout } = await run(command[0], [...command[1]], { timeout: 60_000 });
  return stdout;
}

/**
 * A private Postgres cluster in a temporary directory, on its own port, that
 * the fault tests may stop, kill and restart. The shared server on 5432 is
 * never touched.
 */
export class ThrowawayPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly settings: readonly string[],
  ) {}

  /** initdb + start; `settings` are extra `-c name=value` server options (e.g. `fsync=off`). */
  static async create(settings: Record<string, string> = {}): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'chatterlink-pg-'));
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout), Number(gid));
    }
    await pgTool('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    const cluster = new ThrowawayPostgres(
      dir,
      await freePort(),
      Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`),
    );
    await cluster.start();
    return cluster;
  }

  /** A connection URL for `database` on this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = [`-p ${this.port}`, `-k ${this.dir}`, '-c listen_addresses=127.0.0.1', ...this.settings].join(' ');
    await pgTool('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  /** `immediate` is a crash (no checkpoint, connections cut); `fast` a clean shutdown. */
  async stop(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await pgTool('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']);
  }

  /** Stops the cluster (if running) and deletes its directory. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
