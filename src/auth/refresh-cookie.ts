// The refresh_token cookie: HttpOnly, Secure, SameSite=Lax, scoped to /api/auth.
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { AppError } from '../errors';

export const REFRESH_COOKIE = 'refresh_token';
const COOKIE_PATH = '/api/auth';

export function setRefreshCookie(c: Context, token: string, maxAgeSeconds: number): void {
  setCookie(c, REFRESH_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: COOKIE_PATH,
    maxAge: maxAgeSeconds,
  });
}

export function clearRefreshCookie(c: Context): void {
  deleteCookie(c, REFRESH_COOKIE, { httpOnly: true, secure: true, sameSite: 'Lax', path: COOKIE_PATH });
}

/** Every refresh_token cookie the request carries, in order (empty ones too). */
export function readRefreshCookies(c: Context): string[] {
  const prefix = `${REFRESH_COOKIE}=`;
  return (c.req.header('Cookie') ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(prefix))
    .map((pair) => pair.slice(prefix.length));
}

/**
 * The request's one refresh token, or null without one. A sibling subdomain can set a
 * `refresh_token` cookie for the parent domain (cookie tossing), and the browser then sends both:
 * the request cannot tell which is the user's, so it is refused (401 REFRESH_TOKEN_INVALID) and
 * our cookie cleared, rather than signing the user in to whichever comes first.
 */
export function readRefreshCookie(c: Context): string | null {
  const values = readRefreshCookies(c);
  if (values.length > 1) {
    clearRefreshCookie(c);
    throw new AppError('REFRESH_TOKEN_INVALID', 'More than one refresh token cookie was sent. Sign in again.');
  }
  return values[0] ? values[0] : null;
}
