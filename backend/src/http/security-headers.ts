import type { Middleware } from 'koa';
import type { Config } from '../config/config';

/** Headers every answer carries; HSTS only when the site is served over HTTPS. */
export function securityHeaders(config: Config): Middleware {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (config.preferredUrlScheme === 'https') ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
