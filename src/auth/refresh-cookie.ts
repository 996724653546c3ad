// The refresh_token cookie (CONTRACT §4): HttpOnly, Secure, SameSite=Lax, scoped to /api/auth.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';

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

export function readRefreshCookie(c: Context): string | null {
  const value = getCookie(c, REFRESH_COOKIE);
  return value === undefined || value === '' ? null : value;
}
