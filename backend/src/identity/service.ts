import type { UserDto } from '@chatterlink/schema/protocol';
import type { ServiceContext } from '../app/context';
import { ConflictError, ForbiddenError, RateLimitedError, UnauthorizedError } from '../errors/errors';
import { AttemptLimiter } from '../limits/attempt-limiter';
import { decideEndSession, decideRegister, decideStartSession } from './decide';
import { userStream } from './events';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import { SessionLoader } from './session-loader';
import type { SessionTokens } from './tokens';
import { toUserDto } from './users';

const HOUR = 3600_000;
/** Lifetimes: a browser session without "remember me", with it, and an API token. */
export const SESSION_TTL = { browser: 24 * HOUR, remember: 30 * 24 * HOUR, token: 30 * 24 * HOUR } as const;

/** A started session, ready to be handed to the client. */
export interface IssuedSession {
  readonly user: UserDto;
  readonly sessionId: string;
  readonly token: string;
  readonly expiresAt: Date;
  readonly csrfToken: string;
}

/** An authenticated caller. */
export interface Principal {
  readonly user: UserDto;
  readonly sessionId: string;
}

/** Registration, login, sessions and logout: commands in, events out, answers from projections. */
export class IdentityService {
  readonly #byIp = new AttemptLimiter(50, 15 * 60_000);
  readonly #byUsername = new AttemptLimiter(10, 15 * 60_000);
  readonly #sessions: SessionLoader;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tokens: SessionTokens,
    private readonly defaultRoomId: string,
  ) {
    this.#sessions = new SessionLoader(ctx.db);
  }

  /** Registers an account. `createdBy` is the admin who creates it when registration is closed. */
  async register(input: { username: string; password: string }, createdBy?: Principal): Promise<UserDto> {
    const lower = input.username.toLowerCase();
    const [taken, anyUser] = await Promise.all([
      this.ctx.db.selectFrom('users').select('id').where('username_lower', '=', lower).executeTakeFirst(),
      this.ctx.db.selectFrom('users').select('id').limit(1).executeTakeFirst(),
    ]);
    // Closed registration still lets the instance's owner create the first (admin) account.
    if (this.ctx.config.registration === 'closed' && anyUser && !createdBy?.user.isAdmin) {
      throw new ForbiddenError('Registration is closed; ask an admin for an account.', 'registration_closed');
    }
    const userId = this.ctx.ids.newId();
    const events = decideRegister(
      { userId, username: input.username, passwordHash: await hashPassword(input.password), defaultRoomId: this.defaultRoomId },
      { usernameTaken: taken !== undefined, firstUser: anyUser === undefined },
    );
    try {
      await this.ctx.store.append({
        actor: createdBy?.user.id ?? userId,
        occurredAt: this.ctx.clock.now(),
        events,
        expected: { [userStream(userId)]: 'no_stream' },
      });
    } catch (error) {
      // Two registrations of one name raced past the check; the unique index decided.
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError('username_taken', 'That username is taken.', { field: 'username' });
      }
      throw error;
    }
    return this.#user(userId);
  }

  /** Checks credentials (rate limited per IP and per username) and starts a session. */
  async login(
    input: { username: string; password: string; remember?: boolean | undefined },
    clientIp: string,
    client: 'browser' | 'token',
  ): Promise<IssuedSession> {
    const lower = input.username.toLowerCase();
    const wait = Math.max(this.#byIp.retryAfter(clientIp), this.#byUsername.retryAfter(lower));
    if (wait > 0) throw new RateLimitedError(wait, 'Too many login attempts; try again later.');
    this.#byIp.record(clientIp);

    const row = await this.ctx.db.selectFrom('users').selectAll().where('username_lower', '=', lower).executeTakeFirst();
    // Unknown users cost one scrypt too, so timing does not reveal who exists.
    const valid = await verifyPassword(input.password, row?.password_hash ?? DUMMY_HASH);
    if (!row || !valid) {
      this.#byUsername.record(lower);
      throw new UnauthorizedError('Wrong username or password.', 'invalid_credentials');
    }
    this.#byUsername.reset(lower);
    const ttl = client === 'token' ? SESSION_TTL.token : input.remember ? SESSION_TTL.remember : SESSION_TTL.browser;
    return this.#startSession(row.id, client, input.remember === true, ttl);
  }

  /** Starts a browser session for a user who just registered. */
  startBrowserSession(userId: string): Promise<IssuedSession> {
    return this.#startSession(userId, 'browser', false, SESSION_TTL.browser);
  }

  /** Resolves a token to its principal; ended, expired or forged sessions are refused. */
  async authenticate(token: string): Promise<Principal> {
    const claims = this.tokens.verify(token);
    const { session, user } = await this.#sessions.load(claims.sessionId);
    if (!session || session.userId !== claims.userId || session.ended || session.expiresAt <= this.ctx.clock.now().getTime()) {
      throw new UnauthorizedError('The session is invalid or has expired.');
    }
    if (!user) throw new UnauthorizedError('The account no longer exists.');
    return { user: toUserDto(user, this.ctx.config), sessionId: claims.sessionId };
  }

  /** Ends the session everywhere. Idempotent. */
  async logout(principal: Principal): Promise<void> {
    const session = await this.ctx.db.selectFrom('sessions').select('ended_at').where('id', '=', principal.sessionId).executeTakeFirst();
    const events = decideEndSession(
      { sessionId: principal.sessionId, userId: principal.user.id, reason: 'logout' },
      { sessionActive: session !== undefined && session.ended_at === null },
    );
    if (events.length > 0) await this.ctx.store.append({ actor: principal.user.id, occurredAt: this.ctx.clock.now(), events });
  }

  csrfToken(principal: Principal): string {
    return this.tokens.csrfToken(principal.sessionId);
  }

  csrfTokenMatches(principal: Principal, candidate: string | undefined): boolean {
    return this.tokens.csrfTokenMatches(principal.sessionId, candidate);
  }

  async #startSession(userId: string, client: 'browser' | 'token', remember: boolean, ttlMs: number): Promise<IssuedSession> {
    const sessionId = this.ctx.ids.newId();
    const expiresAt = new Date(this.ctx.clock.now().getTime() + ttlMs);
    const events = decideStartSession({ sessionId, userId, expiresAt, remember, client });
    await this.ctx.store.append({ actor: userId, occurredAt: this.ctx.clock.now(), events });
    return {
      user: await this.#user(userId),
      sessionId,
      token: await this.tokens.sign({ userId, sessionId }, expiresAt),
      expiresAt,
      csrfToken: this.tokens.csrfToken(sessionId),
    };
  }

  async #user(userId: string): Promise<UserDto> {
    const row = await this.ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!row) throw new UnauthorizedError('The account no longer exists.');
    return toUserDto(row, this.ctx.config);
  }
}
