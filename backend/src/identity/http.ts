import type Router from '@koa/router';
import { createUserBody, loginBody, registerBody, tokenBody, usersQuery } from '@chatterlink/schema/protocol';
import type { Middleware } from 'koa';
import type { Config } from '../config/config';
import { principalOf, requireAdmin } from '../http/auth';
import { clearSessionCookie, setSessionCookie } from '../http/session-cookie';
import type { AppState } from '../http/state';
import { validate } from '../http/validate';
import type { IdentityService } from './service';
import type { UsersDirectory } from './users-directory';

/** The identity routes of the contract, plus admin account creation and the user directory. */
export function identityRoutes(
  router: Router<AppState>,
  deps: { identity: IdentityService; users: UsersDirectory; config: Config; auth: Middleware<AppState> },
): void {
  const { identity, users, config, auth } = deps;

  router.post('/api/auth/register', async (ctx) => {
    const input = validate(registerBody, ctx.request.body);
    const user = await identity.register(input);
    const session = await identity.startBrowserSession(user.id);
    setSessionCookie(ctx, config, session.token, undefined);
    ctx.status = 201;
    ctx.body = { user: session.user, csrfToken: session.csrfToken };
  });

  router.post('/api/auth/login', async (ctx) => {
    const input = validate(loginBody, ctx.request.body);
    const session = await identity.login(input, ctx.ip, 'browser');
    setSessionCookie(ctx, config, session.token, input.remember ? { expiresAt: session.expiresAt } : undefined);
    ctx.body = { user: session.user, csrfToken: session.csrfToken };
  });

  router.post('/api/auth/token', async (ctx) => {
    const input = validate(tokenBody, ctx.request.body);
    const session = await identity.login(input, ctx.ip, 'token');
    ctx.body = { token: session.token, expiresAt: session.expiresAt.toISOString() };
  });

  router.post('/api/auth/logout', auth, async (ctx) => {
    await identity.logout(principalOf(ctx));
    clearSessionCookie(ctx, config);
    ctx.status = 204;
  });

  router.get('/api/me', auth, async (ctx) => {
    const principal = principalOf(ctx);
    ctx.body = { user: principal.user, csrfToken: identity.csrfToken(principal) };
  });

  router.post('/api/admin/users', auth, requireAdmin, async (ctx) => {
    const input = validate(createUserBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = { user: await identity.register(input, principalOf(ctx)) };
  });

  router.get('/api/users', auth, async (ctx) => {
    const { query } = validate(usersQuery, ctx.query);
    ctx.body = { users: await users.search(query) };
  });
}
