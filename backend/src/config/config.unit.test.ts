import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config';

/** Runs `parseConfig` expecting a ConfigError and returns its message. */
function configErrorMessage(source: Record<string, string | undefined>): string {
  try {
    parseConfig(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(source)}`);
}

describe('parseConfig defaults', () => {
  it('fills every setting from an empty environment', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 5000,
      instanceDir: 'instance',
      databaseUrl: undefined,
      secretKey: undefined,
      eventKey: undefined,
      preferredUrlScheme: 'http',
      sessionCookieSecure: false,
      rememberCookieSecure: false,
      adminUsers: [],
      defaultRoom: 'general',
      registration: 'open',
      allowedOrigins: [],
      trustProxy: false,
      uploadDir: 'instance/uploads',
      redisUrl: undefined,
      logLevel: 'info',
    });
  });

  it('converts MAX_UPLOAD_MB to bytes, 25 MiB by default', () => {
    expect(parseConfig({}).maxUploadBytes).toBe(25 * 1024 * 1024);
    expect(parseConfig({ MAX_UPLOAD_MB: '2' }).maxUploadBytes).toBe(2 * 1024 * 1024);
    expect(parseConfig({ MAX_UPLOAD_MB: '0.5' }).maxUploadBytes).toBe(512 * 1024);
  });

  it('treats empty strings as unset, so .env.example can be copied as it is', () => {
    const config = parseConfig({
      PORT: '',
      HOST: '',
      DEFAULT_ROOM: '',
      REGISTRATION: '',
      MAX_UPLOAD_MB: '',
      DATABASE_URL: '',
      SECRET_KEY: '',
      SESSION_COOKIE_SECURE: '',
      TRUST_PROXY: '',
      REDIS_URL: '',
      NODE_ENV: '',
    });
    expect(config.port).toBe(5000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.defaultRoom).toBe('general');
    expect(config.registration).toBe('open');
    expect(config.maxUploadBytes).toBe(25 * 1024 * 1024);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.secretKey).toBeUndefined();
    expect(config.sessionCookieSecure).toBe(false);
    expect(config.trustProxy).toBe(false);
    expect(config.redisUrl).toBeUndefined();
    expect(config.env).toBe('development');
  });

  it('ignores undefined values and variables it does not know', () => {
    const config = parseConfig({ PORT: undefined, PATH: '/usr/bin', SOMETHING_ELSE: 'x' });
    expect(config.port).toBe(5000);
  });

  it('reads explicit values', () => {
    const config = parseConfig({
      NODE_ENV: 'test',
      HOST: ' 0.0.0.0 ',
      PORT: '8080',
      INSTANCE_DIR: '/var/lib/chat',
      DATABASE_URL: 'postgresql://u:p@db/chat',
      DEFAULT_ROOM: ' lobby ',
      REGISTRATION: 'closed',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      env: 'test',
      host: '0.0.0.0',
      port: 8080,
      instanceDir: '/var/lib/chat',
      databaseUrl: 'postgresql://u:p@db/chat',
      defaultRoom: 'lobby',
      registration: 'closed',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      logLevel: 'debug',
    });
  });
});

describe('parseConfig booleans', () => {
  it.each([
    ['True', true],
    ['true', true],
    [' TRUE ', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('TRUST_PROXY=%j parses to %s', (value, expected) => {
    expect(parseConfig({ TRUST_PROXY: value }).trustProxy).toBe(expected);
  });

  it('rejects anything else, naming the variable', () => {
    expect(configErrorMessage({ TRUST_PROXY: 'maybe' })).toContain('TRUST_PROXY');
    expect(configErrorMessage({ SESSION_COOKIE_SECURE: '2' })).toContain('SESSION_COOKIE_SECURE');
  });
});

describe('parseConfig validation', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['REGISTRATION', 'maybe'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://redis:6379'],
    ['SOCKETIO_MESSAGE_QUEUE', 'amqp://x'],
    ['NODE_ENV', 'staging'],
    ['PREFERRED_URL_SCHEME', 'ftp'],
    ['LOG_LEVEL', 'verbose'],
    ['MAX_UPLOAD_MB', '0'],
    ['MAX_UPLOAD_MB', 'lots'],
    ['SECRET_KEY', 'too-short'],
    ['DEFAULT_ROOM', 'x'.repeat(81)],
  ])('%s=%j throws a ConfigError naming the variable', (name, value) => {
    expect(configErrorMessage({ [name]: value })).toContain(name);
  });

  it('names every invalid variable at once', () => {
    const message = configErrorMessage({ PORT: 'abc', REGISTRATION: 'maybe' });
    expect(message).toContain('PORT');
    expect(message).toContain('REGISTRATION');
  });

  it('accepts postgres:// and postgresql:// URLs', () => {
    expect(parseConfig({ DATABASE_URL: 'postgres://h/db' }).databaseUrl).toBe('postgres://h/db');
    expect(parseConfig({ DATABASE_URL: 'postgresql://h/db' }).databaseUrl).toBe('postgresql://h/db');
  });

  it('accepts a SECRET_KEY of exactly 32 characters', () => {
    expect(parseConfig({ SECRET_KEY: 'k'.repeat(32) }).secretKey).toBe('k'.repeat(32));
  });
});

describe('parseConfig lists', () => {
  it('lower-cases ADMIN_USERS and drops blanks', () => {
    expect(parseConfig({ ADMIN_USERS: 'Alice, BOB ,,carol,' }).adminUsers).toEqual(['alice', 'bob', 'carol']);
  });
});

describe('parseConfig Redis', () => {
  it('reads REDIS_URL', () => {
    expect(parseConfig({ REDIS_URL: 'redis://r:6379' }).redisUrl).toBe('redis://r:6379');
  });

  it('accepts SOCKETIO_MESSAGE_QUEUE as an alias of REDIS_URL', () => {
    expect(parseConfig({ SOCKETIO_MESSAGE_QUEUE: 'rediss://q:6380' }).redisUrl).toBe('rediss://q:6380');
  });

  it('prefers REDIS_URL when both are set', () => {
    expect(parseConfig({ REDIS_URL: 'redis://a', SOCKETIO_MESSAGE_QUEUE: 'redis://b' }).redisUrl).toBe('redis://a');
  });
});

describe('parseConfig cookie security', () => {
  it('is secure by default in production', () => {
    const config = parseConfig({ NODE_ENV: 'production' });
    expect(config.sessionCookieSecure).toBe(true);
    expect(config.rememberCookieSecure).toBe(true);
  });

  it('is secure by default when the preferred scheme is https', () => {
    const config = parseConfig({ PREFERRED_URL_SCHEME: 'https' });
    expect(config.sessionCookieSecure).toBe(true);
    expect(config.rememberCookieSecure).toBe(true);
  });

  it('is not secure by default in development over http', () => {
    expect(parseConfig({ NODE_ENV: 'development' }).sessionCookieSecure).toBe(false);
    expect(parseConfig({ NODE_ENV: 'test', PREFERRED_URL_SCHEME: 'http' }).sessionCookieSecure).toBe(false);
  });

  it('lets explicit settings override the defaults', () => {
    const off = parseConfig({ NODE_ENV: 'production', SESSION_COOKIE_SECURE: 'false' });
    expect(off.sessionCookieSecure).toBe(false);
    // The remember cookie follows the session cookie unless set itself.
    expect(off.rememberCookieSecure).toBe(false);

    const on = parseConfig({ SESSION_COOKIE_SECURE: 'yes' });
    expect(on.sessionCookieSecure).toBe(true);
    expect(on.rememberCookieSecure).toBe(true);

    const mixed = parseConfig({ NODE_ENV: 'production', REMEMBER_COOKIE_SECURE: '0' });
    expect(mixed.sessionCookieSecure).toBe(true);
    expect(mixed.rememberCookieSecure).toBe(false);
  });
});

describe('parseConfig upload directory', () => {
  it('defaults UPLOAD_DIR to uploads/ under INSTANCE_DIR', () => {
    expect(parseConfig({ INSTANCE_DIR: '/srv/chat' }).uploadDir).toBe('/srv/chat/uploads');
  });

  it('uses UPLOAD_DIR when set', () => {
    expect(parseConfig({ INSTANCE_DIR: '/srv/chat', UPLOAD_DIR: '/mnt/files' }).uploadDir).toBe('/mnt/files');
  });
});

describe('blank values (regression)', () => {
  it('treats white space as unset, so PORT keeps its default', () => {
    expect(parseConfig({ PORT: '   ', HOST: ' ' })).toMatchObject({ port: 5000, host: '127.0.0.1' });
  });
});

describe('parseConfig WebSocket rate limit', () => {
  it('leaves the gateway defaults in place when unset', () => {
    const config = parseConfig({});
    expect(config.wsRateLimit).toBeUndefined();
    expect(config.wsRateBurst).toBeUndefined();
    expect(config.wsPublishHoldMs).toBeUndefined();
  });

  it('reads WS_PUBLISH_HOLD_MS, 0 included, and refuses a negative one', () => {
    expect(parseConfig({ WS_PUBLISH_HOLD_MS: '0' })).toMatchObject({ wsPublishHoldMs: 0 });
    expect(parseConfig({ WS_PUBLISH_HOLD_MS: '7.5' })).toMatchObject({ wsPublishHoldMs: 7.5 });
    expect(configErrorMessage({ WS_PUBLISH_HOLD_MS: '-1' })).toMatch(/WS_PUBLISH_HOLD_MS/);
  });

  it('reads WS_RATE_LIMIT and WS_RATE_BURST', () => {
    expect(parseConfig({ WS_RATE_LIMIT: '2.5', WS_RATE_BURST: '500' })).toMatchObject({ wsRateLimit: 2.5, wsRateBurst: 500 });
  });

  it('refuses non-positive values, naming the variable', () => {
    expect(configErrorMessage({ WS_RATE_LIMIT: '0', WS_RATE_BURST: '1.5' })).toMatch(/WS_RATE_LIMIT.*WS_RATE_BURST/);
  });
});
