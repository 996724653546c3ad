// The oauth_state cookie: state, PKCE verifier, nonce and redirect_to, for 10 minutes, on the OAuth path only.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { Buffer } from 'node:buffer';
import { OAUTH_STATE_LIFETIME_MS, oauthStateSchema, type OAuthState } from './flow';

const COOKIE = 'oauth_state';
const COOKIE_PATH = '/api/auth/oauth';

export function setOAuthStateCookie(c: Context, state: OAuthState): void {
  const value = Buffer.from(JSON.stringify(state)).toString('base64url');
  setCookie(c, COOKIE, value, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: COOKIE_PATH,
    maxAge: OAUTH_STATE_LIFETIME_MS / 1000,
  });
}

/** The cookie's content, or null when it is absent or not something this API wrote. */
export function readOAuthStateCookie(c: Context): OAuthState | null {
  const value = getCookie(c, COOKIE);
  if (!value) return null;
  try {
    const parsed = oauthStateSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Single use: the callback clears it whatever happens next. */
export function clearOAuthStateCookie(c: Context): void {
  deleteCookie(c, COOKIE, { httpOnly: true, secure: true, sameSite: 'Lax', path: COOKIE_PATH });
}
