import type { Middleware } from 'koa';
import type { Config } from '../config/config';
import { ForbiddenError, UnauthorizedError } from '../errors/errors';
import type { IdentityService } from '../identity/service';
import { readCookie, SESSION_COOKIE } from './session-cookie';
import type { AppContext, AppState } from './state';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Origins allowed to drive a cookie session: the app's own plus ALLOWED_ORIGINS. */
export function isAllowedOrigin(origin: string, ctx: Pick<AppContext, 'protocol' | 'host'>, config: Config): boolean {
  return origin === `${ctx.protocol}://${ctx.host}` || config.allowedOrigins.includes(origin);
}

/**
 * Requires a valid session: a Bearer token, or the session cookie. Cookie
 * sessions must also pass CSRF checks on unsafe methods: a foreign Origin or
 * a missing or wrong `X-CSRF-Token` is refused with 403 `csrf_failed`.
 */
export function requireAuth(identity: IdentityService, config: Config): Middleware<AppState> {
  return async (ctx, next) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(ctx.get('Authorization'))?.[1];
    const token = bearer ?? readCookie(ctx.get('Cookie'), SESSION_COOKIE);
    if (!token) throw new UnauthorizedError();
    const principal = await identity.authenticate(token);
    if (!bearer && !SAFE_METHODS.has(ctx.method)) {
      const origin = ctx.get('Origin');
      if (origin && !isAllowedOrigin(origin, ctx, config)) throw new ForbiddenError('Cross-origin request refused.', 'csrf_failed');
      if (!identity.csrfTokenMatches(principal, ctx.get('X-CSRF-Token'))) {
        throw new ForbiddenError('Missing or wrong X-CSRF-Token header.', 'csrf_failed');
      }
    }
    ctx.state.principal = principal;
    await next();
  };
}

/** Requires an admin (after `requireAuth`). */
export const requireAdmin: Middleware<AppState> = async (ctx, next) => {
  if (!ctx.state.principal?.user.isAdmin) throw new ForbiddenError('Admins only.');
  await next();
};

/** The authenticated caller; only valid behind `requireAuth`. */
export function principalOf(ctx: AppContext) {
  const principal = ctx.state.principal;
  if (!principal) throw new UnauthorizedError();
  return principal;
}
