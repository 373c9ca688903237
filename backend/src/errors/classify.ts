import { AppError, InvalidInputError, MethodNotAllowedError, TooLargeError, UnavailableError } from './errors';

/** Errors of the `pg` driver or PGlite meaning "the database is not there right now". */
function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) || /^(08|57P)/.test(code))) ||
    (error instanceof Error && /Connection terminated|connect ECONNREFUSED|PGlite is closed|is not queryable|timeout exceeded when trying to connect/i.test(error.message))
  );
}

/**
 * Classifies anything thrown into the application's error taxonomy, or
 * `undefined` for a real bug. Shared by the HTTP and WebSocket adapters.
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  const status = (error as { status?: unknown }).status;
  // Errors raised by Koa, koa-body and the router carry an HTTP status.
  if (status === 413) return new TooLargeError('The request body is too large.');
  if (status === 400) return new InvalidInputError('The request body is not valid JSON.');
  if (status === 405 || status === 501) return new MethodNotAllowedError();
  if (isDatabaseUnavailable(error)) return new UnavailableError();
  return undefined;
}

