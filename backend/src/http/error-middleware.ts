import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { toAppError } from '../errors/classify';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidInputError,
  MethodNotAllowedError,
  NotFoundError,
  RateLimitedError,
  TooLargeError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedTypeError,
} from '../errors/errors';

const STATUS: readonly [abstract new (...args: never[]) => AppError, number][] = [
  [InvalidInputError, 400],
  [UnauthorizedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [MethodNotAllowedError, 405],
  [ConflictError, 409],
  [GoneError, 410],
  [TooLargeError, 413],
  [UnsupportedTypeError, 415],
  [RateLimitedError, 429],
  [UnavailableError, 503],
];

/** The HTTP status of an application error. */
export function statusOf(error: AppError): number {
  return STATUS.find(([type]) => error instanceof type)?.[1] ?? 500;
}

export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const appError = toAppError(error);
      if (!appError) {
        logger.error({ err: error, method: ctx.method, path: ctx.path }, 'unhandled error');
        ctx.status = 500;
        ctx.body = { error: { code: 'internal_error', message: 'Something went wrong on our side.' } };
        return;
      }
      ctx.status = statusOf(appError);
      if (appError instanceof RateLimitedError) ctx.set('Retry-After', String(appError.retryAfterSeconds));
      ctx.body = { error: { code: appError.code, message: appError.message, ...appError.details } };
    }
  };
}
