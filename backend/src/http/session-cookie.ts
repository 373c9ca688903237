import type { Config } from '../config/config';
import type { AppContext } from './state';

export const SESSION_COOKIE = 'cl_session';

/** Reads a cookie from the request without a parsing library. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Sets the HttpOnly, SameSite=Lax session cookie. A "remember me" session
 * persists until it expires (REMEMBER_COOKIE_SECURE decides Secure); a
 * plain one ends with the browser (SESSION_COOKIE_SECURE decides Secure).
 */
export function setSessionCookie(ctx: AppContext, config: Config, token: string, remember: { expiresAt: Date } | undefined): void {
  const secure = remember ? config.rememberCookieSecure : config.sessionCookieSecure;
  const parts = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (remember) parts.push(`Max-Age=${Math.max(0, Math.floor((remember.expiresAt.getTime() - Date.now()) / 1000))}`);
  if (secure) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearSessionCookie(ctx: AppContext, config: Config): void {
  const parts = [`${SESSION_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=0'];
  if (config.sessionCookieSecure) parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}
