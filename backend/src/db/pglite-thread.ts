import { once } from 'node:events';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** What a query answers: rows as objects, `bytea` values as `Buffer`. */
export interface EmbeddedResult<R> {
  readonly rows: R[];
  readonly affectedRows?: number;
}

type Answer =
  | { id: number; ok: true; rows?: Record<string, unknown>[]; affectedRows?: number; bytea?: string[]; copy?: Uint8Array }
  | { id: number; ok: false; error: Record<string, unknown> };

interface Pending {
  resolve(answer: Answer & { ok: true }): void;
  reject(error: Error): void;
}

/**
 * Embedded PGlite, run in a worker thread of its own. PGlite executes a
 * statement synchronously in WebAssembly, so in this thread every query
 * stopped everything else: sockets, timers, the replay's decryption. In its
 * own thread the database works on one statement while this thread does the
 * rest, as a Postgres server's backend would.
 *
 * The thread keeps the process alive only while a request is in flight:
 * open and idle, it holds the process no more than in-process PGlite did.
 *
 * A thread that stops (a result that fills its heap, say) stays stopped:
 * every request after fails with `failure`. Reopening the database is the
 * dialect's call (see `PGliteDialect`), as a lost connection is a pool's.
 */
export class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #closed = false;
  /** Why the thread stopped answering, once it has. */
  #gone: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (answer: Answer) => this.#answer(answer));
    worker.on('error', (error) => this.#stop(error));
    worker.on('exit', (code) => this.#stop(new Error(`it exited with code ${code}`)));
  }

  /**
   * Starts the thread and opens the database in `dataDir` (in memory without
   * one). `resourceLimits` bounds the thread's heap (Node's defaults without):
   * a thread that reaches them stops, and this process goes on.
   */
  static async open(dataDir: string | undefined, resourceLimits?: ResourceLimits): Promise<PGliteThread> {
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir }, ...(resourceLimits ? { resourceLimits } : {}) });
    // Rejects if the thread fails before it answers (a module it cannot load, say).
    const [opened] = (await once(worker, 'message')) as [{ ready: boolean; error?: Record<string, unknown> }];
    if (!opened.ready) {
      await worker.terminate();
      throw rebuilt(opened.error ?? {});
    }
    worker.unref();
    return new PGliteThread(worker);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Why the thread stopped answering, if it stopped without `close()`. */
  get failure(): Error | undefined {
    return this.#closed ? undefined : this.#gone;
  }

  /**
   * A statement with parameters; without any, one or more statements run as
   * one simple query, answering the last one's result (as node-pg does).
   */
  async query<R>(text: string, parameters: readonly unknown[]): Promise<EmbeddedResult<R>> {
    const answer = await this.#request({ kind: 'query', text, parameters });
    const rows = (answer.rows ?? []) as Record<string, unknown>[];
    for (const column of answer.bytea ?? []) {
      for (const row of rows) {
        const bytes = row[column];
        if (bytes instanceof Uint8Array) row[column] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
    }
    return { rows: rows as R[], ...(answer.affectedRows === undefined ? {} : { affectedRows: answer.affectedRows }) };
  }

  /** A COPY aimed at PGlite's blob device (see `copyOutToBlob`): the bytes it wrote. */
  async copyOut(text: string): Promise<Buffer> {
    const { copy } = await this.#request({ kind: 'copy', text });
    if (!copy) throw new Error('the embedded database answered a COPY without its output');
    return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
  }

  /** Closes the database (its last writes reach the directory) and ends the thread. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#gone) await this.#request({ kind: 'close' });
    await this.#worker.terminate();
  }

  #request(request: { kind: 'query' | 'copy' | 'close'; text?: string; parameters?: readonly unknown[] }): Promise<Answer & { ok: true }> {
    if (this.#gone) return Promise.reject(this.#gone);
    const id = this.#next++;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, ...request });
    });
  }

  #answer(answer: Answer): void {
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (answer.ok) pending.resolve(answer);
    else pending.reject(rebuilt(answer.error));
  }

  #stop(error: Error): void {
    // SQLSTATE crash_shutdown, as a Postgres backend answers when another one crashed: the database is away for now.
    this.#gone ??= Object.assign(new Error(`the embedded database's thread stopped: ${error.message}`, { cause: error }), { code: '57P02' });
    for (const { reject } of this.#pending.values()) reject(this.#gone);
    this.#pending.clear();
  }
}

/** The database's error as thrown in its thread: message, SQLSTATE `code` and the other fields callers read. */
function rebuilt(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message ?? 'the embedded database failed'));
  Object.assign(error, fields);
  return error;
}
