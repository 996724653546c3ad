// Route guards: requireAuth trusts a valid access token; requireLiveSession also asks D1 that its session lives.
import type { MiddlewareHandler } from 'hono';
import {
  assuranceLevel,
  authenticationMethods,
  tokenError,
  verifyAccessToken,
  type AccessTokenClaims,
} from '../auth/access-tokens';
import { AppError } from '../errors';
import type { Config } from '../config';
import { findLiveSessionWithUser } from '../db/sessions';
import { depsFrom, type AppEnv } from '../router';

const BEARER = /^Bearer +([^\s]+)$/i;

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw tokenError('AUTH_HEADER_MISSING');
  const match = BEARER.exec(header.trim());
  if (!match) throw tokenError('AUTH_HEADER_MALFORMED');
  return match[1]!;
}

// An API key starts with a lower-case prefix ending in "_" (src/api-keys/key-format.ts); a JWT
// starts with "eyJ", so the two are told apart by their first characters.
const API_KEY_START = /^[a-z][a-z0-9]{0,9}_/;

/** The bearer value when it is (or looks like) an API key, else null (no header, or an access token). */
export function presentedApiKey(header: string | undefined): string | null {
  const match = header === undefined ? null : BEARER.exec(header.trim());
  return match && API_KEY_START.test(match[1]!) ? match[1]! : null;
}

/** The claims of the bearer token in `header`; 401 when it is missing, malformed or does not verify. */
export function verifyBearer(config: Config, header: string | undefined): Promise<AccessTokenClaims> {
  const token = bearerToken(header);
  if (API_KEY_START.test(token)) {
    throw new AppError('TOKEN_INVALID', "This route takes a signed-in user's access token, not an API key.", {
      headers: {
        'WWW-Authenticate': 'Bearer error="invalid_token", error_description="API keys are not accepted here"',
      },
    });
  }
  return verifyAccessToken(config, token);
}

/**
 * Verifies the bearer token with no database round trip. A revoked session keeps working here until
 * its access token expires (ACCESS_TOKEN_TTL, 15 minutes by default): the price of stateless checks.
 */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async function requireAuth(c, next) {
    c.set('auth', await verifyBearer(c.get('config'), c.req.header('Authorization')));
    await next();
  };
}

/**
 * For sensitive routes: the token must verify AND its session must still be live in D1 (not revoked,
 * not expired, user not disabled), so logout-all or a disable takes effect at once. The role is
 * re-read from the database, so a demoted admin loses admin rights immediately.
 */
export function requireLiveSession(options: { secondFactor?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async function requireLiveSession(c, next) {
    const claims = await verifyBearer(c.get('config'), c.req.header('Authorization'));
    const live = await findLiveSessionWithUser(depsFrom(c).db, claims.sessionId, depsFrom(c).now, options);
    if (!live || live.user.id !== claims.userId) throw tokenError('TOKEN_INVALID');
    // requireSecondFactor: the session row (not the token) says what it proved, so a step-up counts at once.
    if (live.hasSecondFactor && assuranceLevel(authenticationMethods(live.session.amr)) !== 'aal2') {
      throw new AppError('STEP_UP_REQUIRED');
    }
    c.set('auth', { ...claims, role: live.user.role });
    await next();
  };
}

/**
 * For the most sensitive routes (password, account deletion, providers, admin): a live session
 * that, when the account has a second factor, has proven it, at sign-in or by a step-up; else
 * 403 STEP_UP_REQUIRED. Accounts without a second factor pass as with requireLiveSession.
 */
export const requireSecondFactor = () => requireLiveSession({ secondFactor: true });
