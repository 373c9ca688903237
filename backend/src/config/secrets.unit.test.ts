import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';
import { decodeEventKey, loadSecrets } from './secrets';

let root: string;
let instanceDir: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chatterlink-secrets-'));
  instanceDir = join(root, 'instance');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const SECRET = 's'.repeat(40);
const EVENT_KEY_BYTES = Buffer.alloc(32, 0xab);

function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSecrets in development and test', () => {
  it.each(['development', 'test'])('%s creates both key files with mode 0600', (env) => {
    const secrets = loadSecrets(parseConfig({ NODE_ENV: env, INSTANCE_DIR: instanceDir }));
    const secretPath = join(instanceDir, 'SECRET_KEY');
    const eventPath = join(instanceDir, 'EVENT_KEY');
    expect(existsSync(secretPath)).toBe(true);
    expect(existsSync(eventPath)).toBe(true);
    expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    expect(statSync(eventPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretPath, 'utf8').trim()).toBe(secrets.secretKey);
    expect(decodeEventKey(readFileSync(eventPath, 'utf8'))).toEqual(secrets.eventKey);
    expect(secrets.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(secrets.eventKey.length).toBe(32);
  });

  it('returns the same keys on a second call (stable across restarts)', () => {
    const config = parseConfig({ NODE_ENV: 'development', INSTANCE_DIR: instanceDir });
    const first = loadSecrets(config);
    const second = loadSecrets(parseConfig({ NODE_ENV: 'development', INSTANCE_DIR: instanceDir }));
    expect(second.secretKey).toBe(first.secretKey);
    expect(second.eventKey.equals(first.eventKey)).toBe(true);
  });

  it('generates different keys for different instances', () => {
    const a = loadSecrets(parseConfig({ NODE_ENV: 'test', INSTANCE_DIR: join(root, 'a') }));
    const b = loadSecrets(parseConfig({ NODE_ENV: 'test', INSTANCE_DIR: join(root, 'b') }));
    expect(a.secretKey).not.toBe(b.secretKey);
    expect(a.eventKey.equals(b.eventKey)).toBe(false);
  });

  it('prefers environment values over files, and writes no file for them', () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(join(instanceDir, 'SECRET_KEY'), `${'f'.repeat(40)}\n`);
    const secrets = loadSecrets(
      parseConfig({
        NODE_ENV: 'development',
        INSTANCE_DIR: instanceDir,
        SECRET_KEY: SECRET,
        EVENT_KEY: EVENT_KEY_BYTES.toString('hex'),
      }),
    );
    expect(secrets.secretKey).toBe(SECRET);
    expect(secrets.eventKey.equals(EVENT_KEY_BYTES)).toBe(true);
    expect(readFileSync(join(instanceDir, 'SECRET_KEY'), 'utf8').trim()).toBe('f'.repeat(40));
    expect(existsSync(join(instanceDir, 'EVENT_KEY'))).toBe(false);
  });

  it('reads existing files, trimming the trailing newline', () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(join(instanceDir, 'SECRET_KEY'), `${SECRET}\n`);
    writeFileSync(join(instanceDir, 'EVENT_KEY'), `${EVENT_KEY_BYTES.toString('base64url')}\n`);
    const secrets = loadSecrets(parseConfig({ NODE_ENV: 'development', INSTANCE_DIR: instanceDir }));
    expect(secrets.secretKey).toBe(SECRET);
    expect(secrets.eventKey.equals(EVENT_KEY_BYTES)).toBe(true);
  });

  it('rejects a SECRET_KEY file shorter than 32 characters', () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(join(instanceDir, 'SECRET_KEY'), 'short\n');
    const error = catchConfigError(() => loadSecrets(parseConfig({ NODE_ENV: 'development', INSTANCE_DIR: instanceDir })));
    expect(error.message).toContain('SECRET_KEY');
  });

  it('rejects a SECRET_KEY environment value shorter than 32 characters', () => {
    const error = catchConfigError(() => parseConfig({ INSTANCE_DIR: instanceDir, SECRET_KEY: 'x'.repeat(31) }));
    expect(error.message).toContain('SECRET_KEY');
  });

  it('rejects an EVENT_KEY file that is not 32 bytes', () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(join(instanceDir, 'EVENT_KEY'), `${randomBytes(16).toString('hex')}\n`);
    const error = catchConfigError(() => loadSecrets(parseConfig({ NODE_ENV: 'development', INSTANCE_DIR: instanceDir })));
    expect(error.message).toContain('EVENT_KEY');
  });
});

describe('loadSecrets in production', () => {
  it('refuses to start without keys, naming each variable and its file', () => {
    const error = catchConfigError(() => loadSecrets(parseConfig({ NODE_ENV: 'production', INSTANCE_DIR: instanceDir })));
    for (const name of ['SECRET_KEY', 'EVENT_KEY']) {
      expect(error.message).toContain(`${name} environment variable`);
      expect(error.message).toContain(join(instanceDir, name));
    }
    // Nothing is generated in production.
    expect(existsSync(join(instanceDir, 'SECRET_KEY'))).toBe(false);
    expect(existsSync(join(instanceDir, 'EVENT_KEY'))).toBe(false);
  });

  it('names only the key that is missing', () => {
    const error = catchConfigError(() =>
      loadSecrets(parseConfig({ NODE_ENV: 'production', INSTANCE_DIR: instanceDir, SECRET_KEY: SECRET })),
    );
    expect(error.message).toContain('EVENT_KEY environment variable');
    expect(error.message).toContain(join(instanceDir, 'EVENT_KEY'));
    expect(error.message).not.toContain('SECRET_KEY');
  });

  it('works with both key files present', () => {
    mkdirSync(instanceDir, { recursive: true });
    writeFileSync(join(instanceDir, 'SECRET_KEY'), `${SECRET}\n`, { mode: 0o600 });
    writeFileSync(join(instanceDir, 'EVENT_KEY'), `${EVENT_KEY_BYTES.toString('hex')}\n`, { mode: 0o600 });
    const secrets = loadSecrets(parseConfig({ NODE_ENV: 'production', INSTANCE_DIR: instanceDir }));
    expect(secrets.secretKey).toBe(SECRET);
    expect(secrets.eventKey.equals(EVENT_KEY_BYTES)).toBe(true);
  });

  it('works with both keys in the environment', () => {
    const secrets = loadSecrets(
      parseConfig({
        NODE_ENV: 'production',
        INSTANCE_DIR: instanceDir,
        SECRET_KEY: SECRET,
        EVENT_KEY: EVENT_KEY_BYTES.toString('base64url'),
      }),
    );
    expect(secrets.secretKey).toBe(SECRET);
    expect(secrets.eventKey.equals(EVENT_KEY_BYTES)).toBe(true);
    expect(existsSync(instanceDir)).toBe(false);
  });
});

describe('decodeEventKey', () => {
  const key = randomBytes(32);

  it('accepts 64 hex digits, in either case', () => {
    expect(decodeEventKey(key.toString('hex')).equals(key)).toBe(true);
    expect(decodeEventKey(key.toString('hex').toUpperCase()).equals(key)).toBe(true);
  });

  it('accepts base64url (43 characters) and padded base64 (44 characters) of 32 bytes', () => {
    expect(key.toString('base64url')).toHaveLength(43);
    expect(decodeEventKey(key.toString('base64url')).equals(key)).toBe(true);
    expect(decodeEventKey(key.toString('base64')).equals(key)).toBe(true);
  });

  it('ignores surrounding white space', () => {
    expect(decodeEventKey(`  ${key.toString('hex')}\n`).equals(key)).toBe(true);
  });

  it.each([
    ['16 bytes of hex', randomBytes(16).toString('hex')],
    ['31 bytes of base64url', randomBytes(31).toString('base64url')],
    ['33 bytes of base64url', randomBytes(33).toString('base64url')],
    ['48 bytes of base64url', randomBytes(48).toString('base64url')],
    ['62 hex digits', randomBytes(31).toString('hex')],
    ['an empty string', ''],
  ])('rejects %s', (_label, text) => {
    const error = catchConfigError(() => decodeEventKey(text));
    expect(error.message).toContain('EVENT_KEY');
  });
});

describe('decodeEventKey strictness (regression)', () => {
  it('refuses a valid key followed by characters outside base64', () => {
    const key = randomBytes(32).toString('base64url');
    expect(decodeEventKey(key)).toHaveLength(32);
    expect(() => decodeEventKey(`${key}!!!`)).toThrow(ConfigError);
    expect(() => decodeEventKey(`${key.slice(0, 20)} ${key.slice(20)}`)).toThrow(ConfigError);
    expect(decodeEventKey(randomBytes(32).toString('base64'))).toHaveLength(32);
  });
});
