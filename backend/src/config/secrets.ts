import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from './config';

/** The two secrets a server needs, resolved from the environment or `instance/`. */
export interface Secrets {
  /** Signs session tokens and derives CSRF tokens. */
  readonly secretKey: string;
  /** The 32-byte master key that wraps every data key of the event log. */
  readonly eventKey: Buffer;
  /** Master keys of a rotation in progress: they unwrap data keys not yet re-wrapped, never wrap. */
  readonly previousEventKeys?: readonly Buffer[];
}

/**
 * Resolves `SECRET_KEY` and `EVENT_KEY`: the environment first, then the file of
 * the same name under the instance directory. In development and test a missing
 * file is created (mode 0600) so the keys stay stable across restarts; in
 * production a missing key refuses start-up with both ways to fix it.
 */
export function loadSecrets(config: Config): Secrets {
  if (config.env === 'production') {
    const missing = (['SECRET_KEY', 'EVENT_KEY'] as const).filter(
      (name) => (name === 'SECRET_KEY' ? config.secretKey : config.eventKey) === undefined && !existsSync(join(config.instanceDir, name)),
    );
    if (missing.length > 0) {
      throw new ConfigError(
        missing
          .map((name) => `${name} is not set. In production, set the ${name} environment variable or put the key in the file ${join(config.instanceDir, name)} (mode 0600).`)
          .join(' '),
      );
    }
  }
  const secretKey = config.secretKey ?? readOrCreate(config, 'SECRET_KEY', () => randomBytes(48).toString('base64url'));
  if (secretKey.length < 32) throw new ConfigError('SECRET_KEY must be at least 32 characters long.');
  const eventKeyText = config.eventKey ?? readOrCreate(config, 'EVENT_KEY', () => randomBytes(32).toString('base64url'));
  return { secretKey, eventKey: decodeEventKey(eventKeyText), previousEventKeys: loadPreviousEventKeys(config) };
}

/** `EVENT_KEY_PREVIOUS` plus the lines of `instance/EVENT_KEY.previous` (absent file: none). */
export function loadPreviousEventKeys(config: Config): Buffer[] {
  let lines: string[] = [];
  try {
    lines = readFileSync(join(config.instanceDir, 'EVENT_KEY.previous'), 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return [...config.previousEventKeys, ...lines.map((l) => l.trim()).filter(Boolean)].map(decodeEventKey);
}

/** Accepts 32 bytes as 64 hex digits or (url-safe) base64. */
export function decodeEventKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)
      ? Buffer.from(trimmed.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url')
      : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError('EVENT_KEY must be 32 random bytes, written as 64 hex digits or base64 (43-44 characters).');
  }
  return key;
}

function readOrCreate(config: Config, name: 'SECRET_KEY' | 'EVENT_KEY', generate: () => string): string {
  const path = join(config.instanceDir, name);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (config.env === 'production') {
    throw new ConfigError(
      `${name} is not set. In production, set the ${name} environment variable or put the key in the file ${path} (mode 0600).`,
    );
  }
  mkdirSync(config.instanceDir, { recursive: true, mode: 0o700 });
  const value = generate();
  // 'wx' fails if another process created the file first; then we read theirs.
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw error;
  }
}
