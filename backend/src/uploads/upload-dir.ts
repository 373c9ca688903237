import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Temporary files older than this are leftovers of a crash and are swept at start-up. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * The directory holding sealed uploads (UPLOAD_DIR), each under its
 * server-generated storage key, plus a private `.tmp` subdirectory where
 * uploads are sealed while they arrive: on the same file system, so a
 * finished upload is moved into place atomically.
 */
export class UploadDir {
  #ready: Promise<void> | undefined;

  constructor(readonly root: string) {}

  get tempDir(): string {
    return join(this.root, '.tmp');
  }

  /** Creates the directories (mode 0700) on first use and sweeps stale temporary files. */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.tempDir, { recursive: true, mode: 0o700 });
      const now = Date.now();
      for (const name of await readdir(this.tempDir)) {
        const path = join(this.tempDir, name);
        // Another node may be sweeping the same directory: a file gone meanwhile is fine.
        const modified = (await stat(path).catch(() => undefined))?.mtimeMs ?? now;
        if (now - modified > STALE_TEMP_MS) await rm(path, { force: true });
      }
    })();
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }

  /** A fresh path in the temporary directory. */
  newTempPath(): string {
    return join(this.tempDir, `${randomUUID()}.part`);
  }

  pathOf(storageKey: string): string {
    return join(this.root, storageKey);
  }

  /** Moves a finished temporary file to its storage key. */
  commit(tempPath: string, storageKey: string): Promise<void> {
    return rename(tempPath, this.pathOf(storageKey));
  }

  remove(storageKey: string): Promise<void> {
    return rm(this.pathOf(storageKey), { force: true });
  }
}
