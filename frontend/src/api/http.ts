/** An error answer of the API (`{error: {code, message, field?}}`), or `network` when there was none. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  /** True when the request never got an answer (offline, server down). */
  get offline(): boolean {
    return this.status === 0;
  }
}

let csrfToken: string | undefined;

/** The token unsafe requests must carry (for requests not made by `api`, e.g. uploads with progress). */
export function currentCsrfToken(): string | undefined {
  return csrfToken;
}

/** Sets the token sent on unsafe requests (from login, register or `GET /api/me`). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; field?: string } };
    return new ApiError(response.status, body.error?.code ?? 'error', body.error?.message ?? response.statusText, body.error?.field);
  } catch {
    return new ApiError(response.status, 'error', response.statusText || 'The server answered with an error.');
  }
}

/**
 * Calls the API on this origin and validates the answer with `schema`.
 * Throws ApiError: status 0 when offline, else the server's error.
 */
export async function api<T>(method: string, path: string, schema: { parse(input: unknown): T } | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'No connection to the server.');
  }
  if (!response.ok) throw await errorOf(response);
  if (!schema) return undefined as T;
  return schema.parse(await response.json());
}

/** What to tell the user about a failed call; `whenOffline` explains what needs a connection. */
export function describeError(error: unknown, whenOffline = 'This needs a connection to the server.'): string {
  if (error instanceof ApiError) return error.offline ? whenOffline : error.message;
  return 'Something went wrong. Please try again.';
}
