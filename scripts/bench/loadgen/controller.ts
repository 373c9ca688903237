import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, track } from '../lib/proc';
import type { Reply, Request } from './messages';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** The orchestrator's handle on the load-generator process, pinned to `core`. */
export class LoadGenerator {
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess) {}

  static async start(core: number): Promise<LoadGenerator> {
    const child = track(
      spawn('taskset', ['-c', String(core), process.execPath, '--import', 'tsx', WORKER], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    const generator = new LoadGenerator(child);
    await generator.#next();
    return generator;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** CPU seconds the generator has used (for its utilisation next to the server's). */
  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  /** Sends one command and resolves with its answer; commands run one at a time. */
  request(request: Request): Promise<Extract<Reply, { ok: true }>> {
    const run = this.#pending.then(() => {
      const answer = this.#next();
      this.child.send(request);
      return answer;
    });
    this.#pending = run.catch(() => {});
    return run;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'exit' } satisfies Request);
    await exited;
  }

  #next(): Promise<Extract<Reply, { ok: true }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (reply: Reply) => {
        this.child.off('exit', onExit);
        if (reply.ok) resolve(reply);
        else reject(new Error(`load generator: ${reply.error}`));
      });
    });
  }
}
