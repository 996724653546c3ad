// /api/auth/oauth/:provider and its callback: sign in with Google, GitHub or any OpenID Connect provider.
import { createRoute, z } from '@hono/zod-openapi';
import { beginOAuth, finishOAuth } from '../auth/oauth/flow';
import { configuredProviders } from '../auth/oauth/providers';
import { OAuthSignInRefused } from '../auth/oauth/sign-in';
import { clearOAuthStateCookie, readOAuthStateCookie, setOAuthStateCookie } from '../auth/oauth/state-cookie';
import { setRefreshCookie } from '../auth/refresh-cookie';
import { deliverAfterResponse } from '../email/outbox';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter, depsFrom } from '../router';
import { providerNameSchema } from './schemas';

const providerParam = z.object({
  provider: z
    .string()
    .max(32)
    .openapi({ param: { name: 'provider', in: 'path' }, example: 'google', description: 'google, github or oidc' }),
});

const providersRoute = createRoute({
  method: 'get',
  path: '/auth/providers',
  operationId: 'listProviders',
  security: [],
  tags: ['OAuth'],
  summary: 'The sign-in providers this API has settings for',
  responses: {
    200: jsonResponse(
      z.object({ providers: z.array(providerNameSchema) }),
      'Only the configured ones, so a sign-in page shows buttons that work.',
    ),
    ...errorResponses(),
  },
});

const startRoute = createRoute({
  method: 'get',
  path: '/auth/oauth/{provider}',
  operationId: 'startOAuth',
  security: [],
  tags: ['OAuth'],
  summary: 'Start signing in with a provider (redirects to it, with state and PKCE)',
  request: {
    params: providerParam,
    query: z.object({ redirect_to: z.string().max(1024).optional().openapi({ example: '/dashboard' }) }),
  },
  responses: {
    302: { description: 'To the provider; sets the oauth_state cookie (10 minutes).' },
    ...errorResponses('VALIDATION_ERROR', 'REDIRECT_NOT_ALLOWED', 'PROVIDER_NOT_CONFIGURED'),
  },
});

const callbackRoute = createRoute({
  method: 'get',
  path: '/auth/oauth/{provider}/callback',
  operationId: 'completeOAuth',
  security: [],
  tags: ['OAuth'],
  summary: 'Where the provider sends the user back',
  description:
    'On success: sets the refresh_token cookie and redirects to APP_URL + redirect_to; the front end then calls ' +
    'POST /api/auth/refresh for its access token. For an account with a second factor: no cookie, and a redirect to ' +
    'APP_URL/login#mfa_token=<token>&methods=<list>; POST /api/auth/2fa/verify completes the sign-in (its answer ' +
    'names redirect_to). Provider-side failures redirect to APP_URL/login?error=<code>.',
  request: {
    params: providerParam,
    query: z.object({
      code: z.string().max(2048).optional(),
      state: z.string().max(512).optional(),
      // RFC 9207: the issuer that sent this response (checked when the provider advertises it).
      iss: z.string().max(2048).optional(),
      error: z.string().max(256).optional(),
      error_description: z.string().max(2048).optional(),
    }),
  },
  responses: {
    302: {
      description:
        'To the front end: APP_URL + redirect_to, or APP_URL/login?error=<code> (also for a malformed callback URL).',
    },
    ...errorResponses('OAUTH_STATE_MISMATCH', 'PROVIDER_NOT_CONFIGURED'),
  },
});

export const oauthRouter = createRouter()
  .openapi(providersRoute, (c) => c.json({ providers: configuredProviders(c.get('config')) }, 200))
  .openapi(startRoute, async (c) => {
    const deps = depsFrom(c);
    try {
      const { location, state } = await beginOAuth(
        deps,
        c.req.valid('param').provider,
        c.req.valid('query').redirect_to,
      );
      setOAuthStateCookie(c, state);
      return c.redirect(location, 302);
    } catch (err) {
      if (err instanceof OAuthSignInRefused) return c.redirect(`${deps.config.appUrl}/login?error=${err.code}`, 302);
      throw err;
    }
  })
  .openapi(
    callbackRoute,
    async (c) => {
      const deps = depsFrom(c);
      const cookie = readOAuthStateCookie(c);
      clearOAuthStateCookie(c);
      try {
        const result = await finishOAuth(deps, c.req.valid('param').provider, { ...c.req.valid('query'), cookie });
        if ('secondFactor' in result) {
          // The account has a second factor: no session yet. The token travels in the fragment, which
          // never reaches a server (logs, Referer); the front end posts it to /api/auth/2fa/verify.
          const fragment = new URLSearchParams({
            mfa_token: result.secondFactor.mfaToken,
            methods: result.secondFactor.methods.join(','),
          });
          return c.redirect(`${deps.config.appUrl}/login#${fragment}`, 302);
        }
        setRefreshCookie(c, result.refreshToken, deps.config.refreshTokenTtl);
        deliverAfterResponse(c, deps, result.outboxIds);
        return c.redirect(`${deps.config.appUrl}${result.redirectTo}`, 302);
      } catch (err) {
        if (err instanceof OAuthSignInRefused) {
          deps.log.warn('oauth sign-in refused', { provider: c.req.valid('param').provider, code: err.code });
          return c.redirect(`${deps.config.appUrl}/login?error=${err.code}`, 302);
        }
        throw err;
      }
    },
    // The browser arrives here from the provider: a malformed callback URL (an over-long code, say)
    // lands it on the front end's login page like every other failed sign-in, not on a JSON error.
    (result, c) => {
      if (result.success) return;
      clearOAuthStateCookie(c);
      c.get('log').warn('oauth sign-in refused', {
        code: 'invalid_request',
        reason: 'malformed callback URL',
        target: result.target,
      });
      return c.redirect(`${c.get('config').appUrl}/login?error=invalid_request`, 302);
    },
  );
