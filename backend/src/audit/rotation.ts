import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config';
import { decodeEventKey, loadSecrets } from '../config/secrets';
import { Keyring, masterKeyIdOf } from '../crypto/keyring';
import type { Database } from '../db/types';
import { KEY_WATCH_INTERVAL_MS } from './background';

const BATCH = 500;

/** What a rotation did. */
export interface RotationReport {
  /** `files`: a new key was generated into the instance files; `environment`: EVENT_KEY had been changed by the operator. */
  readonly mode: 'files' | 'environment';
  readonly newMasterKeyId: string;
  readonly rewrapped: number;
  /** Master key ids that no data key depends on any more (their files entries were removed in `files` mode). */
  readonly retired: readonly string[];
  /** Live data keys per master key id after the rotation: only the new one, when complete. */
  readonly wrapCounts: ReadonlyMap<string, number>;
}

/** Re-wraps every data key not yet wrapped by the keyring's current master key. */
export async function rewrapAll(keyring: Keyring, onProgress: (done: number) => void = () => {}): Promise<number> {
  let done = 0;
  for (;;) {
    const batch = await keyring.rewrapBatch(BATCH);
    if (batch === 0) return done;
    done += batch;
    onProgress(done);
  }
}

/**
 * Master-key rotation without rewriting a single event. In `files` mode (no
 * EVENT_KEY in the environment) it generates the new key, keeps the old one in
 * `EVENT_KEY.previous`, and swaps `EVENT_KEY` atomically; running nodes reading
 * those files pick both up within seconds (`Keyring.reload`) and keep serving.
 * It then re-wraps every data key, waits for the nodes to stop wrapping with
 * the old key, re-wraps stragglers, and retires the old key once nothing
 * depends on it. In `environment` mode the operator already set the new
 * EVENT_KEY and the old one in EVENT_KEY_PREVIOUS on every node; this re-wraps.
 */
export async function rotateMasterKey(
  db: Kysely<Database>,
  config: Config,
  options: { onProgress?: (done: number) => void; graceMs?: number } = {},
): Promise<RotationReport> {
  const mode = config.eventKey === undefined ? 'files' : 'environment';
  if (mode === 'files') installNewMasterKey(config.instanceDir, randomBytes(32));
  const secrets = loadSecrets(config);
  const keyring = new Keyring(db, secrets.eventKey, secrets.previousEventKeys);
  let rewrapped = await rewrapAll(keyring, options.onProgress);
  // Nodes that had not reloaded yet may have wrapped a brand-new data key with the old master key.
  await new Promise((resolve) => setTimeout(resolve, options.graceMs ?? 2 * KEY_WATCH_INTERVAL_MS + 1000));
  rewrapped += await rewrapAll(keyring, options.onProgress);
  const wrapCounts = await keyring.wrapCounts();
  const retired = (secrets.previousEventKeys ?? []).map(masterKeyIdOf).filter((id) => !wrapCounts.has(id));
  if (mode === 'files') retirePreviousKeys(config.instanceDir, new Set(retired));
  return { mode, newMasterKeyId: keyring.masterKeyId, rewrapped, retired, wrapCounts };
}

/** Moves the current `EVENT_KEY` file's key to `EVENT_KEY.previous` and puts `newKey` in its place (mode 0600). */
export function installNewMasterKey(instanceDir: string, newKey: Buffer): void {
  const current = readFileSync(join(instanceDir, 'EVENT_KEY'), 'utf8').trim();
  decodeEventKey(current);
  const previousPath = join(instanceDir, 'EVENT_KEY.previous');
  const previous = readLines(previousPath);
  writeAtomically(previousPath, [...previous, current]);
  writeAtomically(join(instanceDir, 'EVENT_KEY'), [newKey.toString('base64url')]);
}

/** Drops the retired keys from `EVENT_KEY.previous` (the file goes when it is empty). */
function retirePreviousKeys(instanceDir: string, retired: ReadonlySet<string>): void {
  const path = join(instanceDir, 'EVENT_KEY.previous');
  const kept = readLines(path).filter((line) => !retired.has(masterKeyIdOf(decodeEventKey(line))));
  if (kept.length === 0) rmSync(path, { force: true });
  else writeAtomically(path, kept);
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function writeAtomically(path: string, lines: readonly string[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

