/**
 * The application's error taxonomy. Every refusal the server makes is one of
 * these; `http/error-middleware.ts` maps them to HTTP statuses and the WebSocket
 * gateway maps them to `error` frames, each in exactly one place.
 */
export abstract class AppError extends Error {
  /** snake_case code sent to clients as `error.code`. */
  readonly code: string;
  /** Extra fields for the client, e.g. the invalid field's name. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  protected constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** The input was malformed or out of range. Nothing was written. */
export class InvalidInputError extends AppError {
  override name = 'InvalidInputError';
  constructor(message: string, details?: { field?: string; [key: string]: unknown }, code = 'invalid_input') {
    super(code, message, details);
  }
}

/** No valid credentials (or wrong ones). */
export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(message = 'Authentication required.', code = 'unauthorized') {
    super(code, message);
  }
}

/** Authenticated, but not allowed (admin-only routes, CSRF, origin). */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message = 'You are not allowed to do that.', code = 'forbidden') {
    super(code, message);
  }
}

/** Absent, or present but invisible to the caller: the two are indistinguishable on purpose. */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message = 'Not found.', code = 'not_found') {
    super(code, message);
  }
}

/** The content existed but was destroyed on purpose (crypto-erasure); it will never come back. */
export class GoneError extends AppError {
  override name = 'GoneError';
  constructor(message = 'This content was erased.', code = 'erased') {
    super(code, message);
  }
}

/** A concurrent change or a uniqueness rule refused the command; some conflicts can be retried. */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}

/** Too many requests; retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number, message = 'Too many attempts; try again later.') {
    super('rate_limited', message, { retryAfter: retryAfterSeconds });
  }
}

/** A body or upload over its size limit. */
export class TooLargeError extends AppError {
  override name = 'TooLargeError';
  constructor(message = 'The request is too large.') {
    super('too_large', message);
  }
}

/** Content of a kind the server refuses to store or serve (decided by its bytes, not its name). */
export class UnsupportedTypeError extends AppError {
  override name = 'UnsupportedTypeError';
  constructor(message = 'This type of file is not accepted.') {
    super('unsupported_type', message);
  }
}

/** The database (or another dependency) is unreachable; the client may retry. */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message = 'The service is temporarily unavailable; retry shortly.') {
    super('unavailable', message);
  }
}

/** The route exists, but not with this method. */
export class MethodNotAllowedError extends AppError {
  override name = 'MethodNotAllowedError';
  constructor(message = 'That method is not allowed on this route.') {
    super('method_not_allowed', message);
  }
}
