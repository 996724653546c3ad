// /api/auth: register, login, refresh, logout, logout-all.
import { createRoute, z } from '@hono/zod-openapi';
import { loginWithPassword, registerAccount, toUserView, type SignedIn } from '../auth/accounts';
import { clearRefreshCookie, readRefreshCookie, readRefreshCookies, setRefreshCookie } from '../auth/refresh-cookie';
import { logout, logoutEverywhere, refreshSession } from '../auth/sessions';
import { deliverAfterResponse } from '../email/outbox';
import { AppError } from '../errors';
import {
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
  refreshCookieGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import {
  accessTokenSchema,
  emailInput,
  mfaRequiredSchema,
  nameInput,
  newPasswordInput,
  passwordInput,
  signedInSchema,
} from './schemas';

const signedInResponse = (description: string) =>
  jsonResponse(signedInSchema, `${description} Sets the refresh_token cookie.`);

const registerRoute = createRoute({
  method: 'post',
  path: '/auth/register',
  operationId: 'register',
  security: [],
  tags: ['Auth'],
  summary: 'Create an account and start a session',
  request: {
    body: jsonRequest(z.object({ email: emailInput, password: newPasswordInput, name: nameInput.optional() })),
  },
  responses: {
    201: signedInResponse('Account created and signed in.'),
    ...errorResponses(JSON_BODY_ERRORS, 'EMAIL_TAKEN', 'RATE_LIMITED'),
  },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  operationId: 'login',
  security: [],
  tags: ['Auth'],
  summary: 'Sign in with email and password',
  request: { body: jsonRequest(z.object({ email: emailInput, password: passwordInput })) },
  description:
    'When the account has a second factor, a right password starts no session and sets no cookie: the answer is ' +
    '`{"mfa_required": true, "mfa_token", "methods"}`, and POST /api/auth/2fa/verify completes the sign-in.',
  responses: {
    200: jsonResponse(
      z.union([signedInSchema, mfaRequiredSchema]),
      'Signed in (sets the refresh_token cookie), or the second factor is required.',
    ),
    ...errorResponses(JSON_BODY_ERRORS, 'INVALID_CREDENTIALS', 'ACCOUNT_DISABLED', 'RATE_LIMITED'),
  },
});

const refreshRoute = createRoute({
  method: 'post',
  path: '/auth/refresh',
  operationId: 'refresh',
  tags: ['Auth'],
  summary: 'Rotate the refresh cookie and get a new access token',
  description:
    'Within 10 s of a rotation, the previous cookie still gets an access token but no new cookie (two tabs ' +
    'refreshing at once); later it is treated as theft and ends the session (REFRESH_TOKEN_REUSED).',
  ...refreshCookieGuard(),
  responses: {
    200: jsonResponse(accessTokenSchema, 'A new access token (and usually a new cookie).'),
    ...errorResponses('ORIGIN_NOT_ALLOWED', 'REFRESH_TOKEN_MISSING', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED'),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  tags: ['Auth'],
  summary: 'End this session and clear the cookie',
  ...refreshCookieGuard(),
  responses: {
    204: { description: 'Signed out (also when already signed out).' },
    ...errorResponses('ORIGIN_NOT_ALLOWED'),
  },
});

const logoutAllRoute = createRoute({
  method: 'post',
  path: '/auth/logout-all',
  operationId: 'logoutAll',
  tags: ['Auth'],
  summary: 'End every session of the user',
  ...liveSessionGuard(),
  responses: { 204: { description: 'Every session revoked.' }, ...errorResponses(BEARER_ERRORS) },
});

const missingRefreshToken = () => new AppError('REFRESH_TOKEN_MISSING');

function signedInBody({ user, tokens }: SignedIn) {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer' as const,
    expires_in: tokens.expiresIn,
    user: toUserView(user),
  };
}

export const authRouter = createRouter()
  .openapi(registerRoute, async (c) => {
    const { email, password, name } = c.req.valid('json');
    const deps = depsFrom(c);
    const signedIn = await registerAccount(deps, { email, password, name: name ?? null });
    setRefreshCookie(c, signedIn.tokens.refreshToken, deps.config.refreshTokenTtl);
    deliverAfterResponse(c, deps, signedIn.outboxIds);
    return c.json(signedInBody(signedIn), 201);
  })
  .openapi(loginRoute, async (c) => {
    const deps = depsFrom(c);
    const outcome = await loginWithPassword(deps, c.req.valid('json'));
    if ('mfaToken' in outcome) {
      return c.json({ mfa_required: true as const, mfa_token: outcome.mfaToken, methods: outcome.methods }, 200);
    }
    setRefreshCookie(c, outcome.tokens.refreshToken, deps.config.refreshTokenTtl);
    return c.json(signedInBody(outcome), 200);
  })
  .openapi(refreshRoute, async (c) => {
    const presented = readRefreshCookie(c);
    if (presented === null) throw missingRefreshToken();
    const deps = depsFrom(c);
    const tokens = await refreshSession(deps, presented);
    if (tokens.refreshToken !== null) setRefreshCookie(c, tokens.refreshToken, deps.config.refreshTokenTtl);
    return c.json(
      { access_token: tokens.accessToken, token_type: 'Bearer' as const, expires_in: tokens.expiresIn },
      200,
    );
  })
  .openapi(logoutRoute, async (c) => {
    await logout(depsFrom(c), readRefreshCookies(c));
    clearRefreshCookie(c);
    return c.body(null, 204);
  })
  .openapi(logoutAllRoute, async (c) => {
    await logoutEverywhere(depsFrom(c), c.get('auth'));
    clearRefreshCookie(c);
    return c.body(null, 204);
  });
