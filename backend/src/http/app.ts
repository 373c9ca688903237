import Router from '@koa/router';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Services } from '../app/create-app';
import { auditRoutes } from '../audit/http';
import type { Config } from '../config/config';
import type { Metrics } from '../realtime/metrics';
import { MethodNotAllowedError, NotFoundError } from '../errors/errors';
import { identityRoutes } from '../identity/http';
import { messageRoutes } from '../messages/http';
import { roomRoutes } from '../rooms/http';
import { uploadRoutes } from '../uploads/http';
import { requireAuth } from './auth';
import { errorMiddleware } from './error-middleware';
import { securityHeaders } from './security-headers';
import type { AppState } from './state';
import { staticFiles } from './static-files';

/** Largest JSON body accepted; a message is at most 4000 characters. */
const JSON_LIMIT = '64kb';

/** API paths nothing answered get a JSON 404 (after the router had its say about methods). */
const apiNotFound: Koa.Middleware = async (ctx, next) => {
  await next();
  if (ctx.status === 404 && ctx.body === undefined && (ctx.path === '/api' || ctx.path.startsWith('/api/'))) {
    throw new NotFoundError('No such route.');
  }
};

/** Builds the Koa application: auth, REST routes, health, and the built PWA. */
export function buildHttpApp(deps: {
  services: Services;
  metrics: Metrics;
  config: Config;
  logger: Logger;
  staticDir: string;
}): Koa<AppState> {
  const { services, config, logger } = deps;
  // The only client is our own front server, which sets X-Forwarded-* (see server/front-server.ts).
  const app = new Koa<AppState>({ proxy: true });
  const router = new Router<AppState>();
  const auth = requireAuth(services.identity, config);

  router.get('/healthz', async (ctx) => {
    try {
      await sql`select 1`.execute(services.db);
      ctx.body = { ok: true };
    } catch {
      ctx.status = 503;
      ctx.body = { ok: false };
    }
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  identityRoutes(router, { identity: services.identity, users: services.users, config, auth });
  roomRoutes(router, { rooms: services.rooms, users: services.users, auth });
  messageRoutes(router, { messages: services.messages, auth });
  auditRoutes(router, { audit: services.audit, erasure: services.erasure, auth });
  uploadRoutes(router, { uploads: services.uploads, auth, maxUploadBytes: config.maxUploadBytes });

  app.use(errorMiddleware(logger));
  app.use(securityHeaders(config));
  app.use(apiNotFound);
  app.use(koaBody({ json: true, jsonLimit: JSON_LIMIT, jsonStrict: true, urlencoded: false, text: false, multipart: false }));
  app.use(router.routes());
  app.use(
    router.allowedMethods({ throw: true, methodNotAllowed: () => new MethodNotAllowedError(), notImplemented: () => new MethodNotAllowedError() }),
  );
  app.use(staticFiles(deps.staticDir));
  return app;
}
