import { z } from 'zod';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), 'expected true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const databaseUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'expected a postgres:// or postgresql:// URL');

const redisUrl = z
  .string()
  .trim()
  .refine((v) => /^rediss?:\/\//.test(v), 'expected a redis:// or rediss:// URL');

/** Every setting the server reads, as it appears in the environment (or `.env`). */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5000),
  INSTANCE_DIR: z.string().trim().min(1).default('instance'),
  DATABASE_URL: databaseUrl.optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  EVENT_KEY: z.string().trim().optional(),
  EVENT_KEY_PREVIOUS: list.default([]),
  PREFERRED_URL_SCHEME: z.enum(['http', 'https']).default('http'),
  SESSION_COOKIE_SECURE: bool.optional(),
  REMEMBER_COOKIE_SECURE: bool.optional(),
  ADMIN_USERS: list.default([]),
  DEFAULT_ROOM: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .default('general'),
  REGISTRATION: z.enum(['open', 'closed']).default('open'),
  ALLOWED_ORIGINS: list.default([]),
  TRUST_PROXY: bool.default(false),
  UPLOAD_DIR: z.string().trim().min(1).optional(),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(10_240).default(25),
  REDIS_URL: redisUrl.optional(),
  SOCKETIO_MESSAGE_QUEUE: redisUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WS_RATE_LIMIT: z.coerce.number().positive().optional(),
  WS_RATE_BURST: z.coerce.number().int().positive().optional(),
  WS_PUBLISH_HOLD_MS: z.coerce.number().min(0).max(1000).optional(),
  ALLOW_UNSAFE_DURABILITY: bool.default(false),
});

/** The validated, typed configuration of one server process. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly instanceDir: string;
  /** `undefined` selects the embedded PGlite database under `instanceDir/db`. */
  readonly databaseUrl: string | undefined;
  /** Raw values; `loadSecrets` resolves them (environment, then instance files). */
  readonly secretKey: string | undefined;
  readonly eventKey: string | undefined;
  /** Master keys retired by a rotation still in progress; they only unwrap (see docs/deploy.md). */
  readonly previousEventKeys: readonly string[];
  readonly preferredUrlScheme: 'http' | 'https';
  readonly sessionCookieSecure: boolean;
  readonly rememberCookieSecure: boolean;
  /** Lower-cased usernames that are admins in addition to the first account. */
  readonly adminUsers: readonly string[];
  readonly defaultRoom: string;
  readonly registration: 'open' | 'closed';
  readonly allowedOrigins: readonly string[];
  /** Trust X-Forwarded-For/-Proto from a reverse proxy (client IPs for rate limits, https detection). */
  readonly trustProxy: boolean;
  readonly uploadDir: string;
  readonly maxUploadBytes: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: string;
  /** Frames per second each WebSocket may send, and the burst above that; unset keeps the gateway's defaults (20/s, 60). */
  readonly wsRateLimit?: number;
  readonly wsRateBurst?: number;
  /** The longest a publish to a large room waits so that several leave in one write (0: never); unset keeps the gateway's 20 ms. */
  readonly wsPublishHoldMs?: number;
  /** Start even if Postgres runs with fsync=off or synchronous_commit=off (acks could then be lost). */
  readonly allowUnsafeDurability: boolean;
}

/** Start-up refused because a setting is invalid; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the environment into a `Config`. Empty (or blank) strings count as unset so that
 * `.env.example` can be copied as it is.
 */
export function parseConfig(source: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(source).filter(([key, value]) => key in environmentSchema.shape && value !== undefined && value.trim() !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const sessionCookieSecure = e.SESSION_COOKIE_SECURE ?? (production || e.PREFERRED_URL_SCHEME === 'https');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    instanceDir: e.INSTANCE_DIR,
    databaseUrl: e.DATABASE_URL,
    secretKey: e.SECRET_KEY,
    eventKey: e.EVENT_KEY,
    previousEventKeys: e.EVENT_KEY_PREVIOUS,
    preferredUrlScheme: e.PREFERRED_URL_SCHEME,
    sessionCookieSecure,
    rememberCookieSecure: e.REMEMBER_COOKIE_SECURE ?? sessionCookieSecure,
    adminUsers: e.ADMIN_USERS.map((u) => u.toLowerCase()),
    defaultRoom: e.DEFAULT_ROOM,
    registration: e.REGISTRATION,
    allowedOrigins: e.ALLOWED_ORIGINS,
    trustProxy: e.TRUST_PROXY,
    uploadDir: e.UPLOAD_DIR ?? `${e.INSTANCE_DIR}/uploads`,
    maxUploadBytes: Math.floor(e.MAX_UPLOAD_MB * 1024 * 1024),
    redisUrl: e.REDIS_URL ?? e.SOCKETIO_MESSAGE_QUEUE,
    logLevel: e.LOG_LEVEL,
    ...(e.WS_RATE_LIMIT !== undefined ? { wsRateLimit: e.WS_RATE_LIMIT } : {}),
    ...(e.WS_RATE_BURST !== undefined ? { wsRateBurst: e.WS_RATE_BURST } : {}),
    ...(e.WS_PUBLISH_HOLD_MS !== undefined ? { wsPublishHoldMs: e.WS_PUBLISH_HOLD_MS } : {}),
    allowUnsafeDurability: e.ALLOW_UNSAFE_DURABILITY,
  };
}

/** Reads `.env` when present (real environment variables win), then parses `process.env`. */
export function loadConfig(envFile = '.env'): Config {
  try {
    process.loadEnvFile(envFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return parseConfig(process.env);
}
