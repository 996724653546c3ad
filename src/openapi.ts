// Shared pieces of the OpenAPI description: the error body, JSON bodies, route guards and the document's header.
import type { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ERROR_CODE_NAMES, ERROR_CODES, type ErrorCode } from './error-codes';
import type { ApiKeyNeed } from './api-keys/authenticate';
import { acceptApiKeys } from './middleware/accept-api-keys';
import { requireAllowedOrigin } from './middleware/origin-check';
import { requireAdmin } from './middleware/require-admin';
import { requireAuth, requireLiveSession, requireSecondFactor } from './middleware/require-auth';
import { requireSubscription } from './middleware/require-subscription';
import type { AppEnv } from './router';

/**
 * The components every error response refers to, registered by app.ts: `Error` names every code of
 * the catalogue (the union a client can keep in one type), `ValidationIssues` the body of a
 * VALIDATION_ERROR. Plain JSON Schema, like the error responses.
 */
export const errorComponents = {
  Error: {
    type: 'object' as const,
    required: ['error', 'code'],
    properties: {
      error: { type: 'string' as const, example: 'The request is not valid.' },
      code: {
        type: 'string' as const,
        enum: [...ERROR_CODE_NAMES],
        example: 'VALIDATION_ERROR',
        description: 'Stable and machine-readable: switch on this, not on `error`.',
      },
      issues: { $ref: '#/components/schemas/ValidationIssues' },
    },
  },
  ValidationIssues: {
    type: 'array' as const,
    description: 'Only for VALIDATION_ERROR: each problem, with the path of the field.',
    items: {
      type: 'object' as const,
      required: ['path', 'message'],
      properties: { path: { type: 'string' as const }, message: { type: 'string' as const } },
    },
  },
};

/**
 * A JSON request body validated by `schema`; `c.req.valid('json')` is its output type. Required
 * unless `required: false`, which lets a request without a body through as `{}`.
 */
export function jsonRequest<S extends z.ZodType>(schema: S, { required = true }: { required?: boolean } = {}) {
  return { required, content: { 'application/json': { schema } } };
}

/** A JSON response described by `schema`; `c.json(body, status)` is checked against it. */
export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

// What each error status means, as the description of its response.
const statusMeanings: Record<number, string> = {
  400: 'Invalid input.',
  401: 'Not authenticated.',
  402: 'Payment required.',
  403: 'Not allowed.',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  413: 'Body too large.',
  415: 'Wrong content type.',
  429: 'Too many attempts; see Retry-After.',
  500: 'A setting is missing or malformed (CONFIG_ERROR), or an unexpected failure (INTERNAL_ERROR).',
  502: 'An upstream service failed.',
  503: 'A dependency is unavailable.',
};

/** A code a route may answer, at its catalogue status or, for TOKEN_INVALID's second use, another. */
export type DocumentedError = ErrorCode | { code: ErrorCode; status: number };

/** Every route may answer these (the settings are checked on each request; anything may fail). */
const ALWAYS: ErrorCode[] = ['CONFIG_ERROR', 'INTERNAL_ERROR'];

/** What the JSON body checks answer (middleware/json-body.ts and the route's schema). */
export const JSON_BODY_ERRORS = [
  'VALIDATION_ERROR',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const satisfies readonly ErrorCode[];

/** What the bearer guards answer (requireAuth, requireLiveSession). */
export const BEARER_ERRORS = [
  'AUTH_HEADER_MISSING',
  'AUTH_HEADER_MALFORMED',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
] as const satisfies readonly ErrorCode[];

/** What a route that takes API keys may answer to a key (src/api-keys/authenticate.ts). */
export const API_KEY_ERRORS = [
  'API_KEY_MALFORMED',
  'API_KEY_INVALID',
  'API_KEY_REVOKED',
  'API_KEY_EXPIRED',
  'INSUFFICIENT_SCOPE',
  'RATE_LIMITED',
] as const satisfies readonly ErrorCode[];

/** What the admin guard answers: the bearer guard's codes, and FORBIDDEN for a user who is not an admin. */
export const ADMIN_ERRORS = [...BEARER_ERRORS, 'FORBIDDEN', 'STEP_UP_REQUIRED'] as const satisfies readonly ErrorCode[];

/** What the second-factor guard answers: the bearer guard's codes, and STEP_UP_REQUIRED. */
export const SECOND_FACTOR_ERRORS = [...BEARER_ERRORS, 'STEP_UP_REQUIRED'] as const satisfies readonly ErrorCode[];

/** An emailed link (verification, reset) that is used, expired or unknown: TOKEN_INVALID, as a 400. */
export const EMAILED_LINK_INVALID = { code: 'TOKEN_INVALID', status: 400 } as const satisfies DocumentedError;

/**
 * The error responses of a route: one per status, whose body's `code` is an enum of exactly the
 * codes the route may answer with that status (CONFIG_ERROR and INTERNAL_ERROR always), so a
 * generated client can switch on `code` exhaustively. Plain JSON Schema rather than zod: these are
 * only documented, never validated, and zod schemas cost start-up time.
 */
export function errorResponses(...errors: (DocumentedError | readonly DocumentedError[])[]) {
  const byStatus = new Map<number, Set<ErrorCode>>();
  for (const error of [...ALWAYS, ...errors.flat()]) {
    const { code, status } = typeof error === 'string' ? { code: error, status: ERROR_CODES[error].status } : error;
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, errorResponse(status, [...codes])]));
}

/** What the JSON body middleware (app.ts) answers, on any route it covers, whether or not the route takes a body. */
const BODY_MIDDLEWARE_ERRORS = ['INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;

interface RouteDefinition {
  type: string;
  route?: { path: string; responses: Record<string, unknown> };
}

/**
 * Adds to each documented route under `prefix` (but not under `except`) the codes the JSON body
 * middleware may answer before the route runs: app.ts calls it with the paths it mounts that
 * middleware on, so the document says what a client sending a stray body would get.
 */
export function documentBodyMiddleware(
  definitions: readonly RouteDefinition[],
  { prefix, except }: { prefix: string; except: string[] },
): void {
  const added = errorResponses(...BODY_MIDDLEWARE_ERRORS) as Record<string, ReturnType<typeof errorResponse>>;
  for (const { type, route } of definitions) {
    if (type !== 'route' || !route || !route.path.startsWith(prefix) || except.some((p) => route.path.startsWith(p)))
      continue;
    for (const status of ['400', '413', '415']) {
      const existing = route.responses[status] as ReturnType<typeof errorResponse> | undefined;
      if (!existing) {
        route.responses[status] = structuredClone(added[status]); // its own copy: enums are added to per route
        continue;
      }
      const codes = existing.content['application/json'].schema.allOf[1].properties.code.enum;
      for (const code of added[status]!.content['application/json'].schema.allOf[1].properties.code.enum) {
        if (ERROR_CODES[code].status === Number(status) && !codes.includes(code)) codes.push(code);
      }
    }
  }
}

function errorResponse(status: number, codes: ErrorCode[]) {
  return {
    description: statusMeanings[status] ?? 'Error.',
    content: { 'application/json': { schema: errorBody(codes) } },
  };
}

interface ErrorBodySchema {
  allOf: [{ $ref: string }, { type: 'object'; properties: { code: { type: 'string'; enum: ErrorCode[] } } }];
}

/** The Error component, with `code` narrowed to the codes this response may carry. */
function errorBody(codes: ErrorCode[]): ErrorBodySchema {
  return {
    allOf: [
      { $ref: '#/components/schemas/Error' },
      { type: 'object' as const, properties: { code: { type: 'string' as const, enum: codes } } },
    ],
  };
}

/** The security schemes app.ts registers: the access token, an API key, and the refresh cookie. */
export const bearerSecurity = [{ Bearer: [] }];
export const refreshCookieSecurity = [{ RefreshCookie: [] }];

// Route guards: spread one into createRoute() for its middleware, the security it documents, and
// `x-liftoff-guard`, which names the guard in the document (docs/api.md's route table shows it; a
// bearer scheme alone cannot say "live session" or "admin"). Each call makes new middleware, as
// writing them out in each route did.
export function guard<M extends MiddlewareHandler<AppEnv>[]>(
  name: string,
  security: Record<string, string[]>[],
  ...middleware: M
) {
  return { middleware, security, 'x-liftoff-guard': name };
}

/** A valid access token, checked without D1 (see requireAuth). */
export const authGuard = () => guard('bearer', bearerSecurity, requireAuth());

/** A valid access token whose session is live in D1 (see requireLiveSession). */
export const liveSessionGuard = () => guard('bearer, live session', bearerSecurity, requireLiveSession());

/** A live session that proved the account's second factor, when it has one (see requireSecondFactor). */
export const secondFactorGuard = () =>
  guard('bearer, live session, second factor', bearerSecurity, requireSecondFactor());

/**
 * A valid access token and an active subscription (see requireSubscription); with `apiKeys`, an API
 * key as withApiKeys takes it instead of the token, its owner's subscription deciding.
 */
export const subscriberGuard = (apiKeys?: ApiKeyNeed) => {
  if (!apiKeys) return guard('bearer, subscription', bearerSecurity, requireAuth(), requireSubscription());
  const tokenOrKey = withApiKeys(authGuard(), apiKeys);
  return guard(
    `${tokenOrKey['x-liftoff-guard']}; subscription`,
    tokenOrKey.security,
    ...tokenOrKey.middleware,
    requireSubscription(),
  );
};

/** A live session of an admin (see requireAdmin). */
export const adminGuard = () => guard('bearer, admin', bearerSecurity, requireAdmin());

/** The refresh cookie, from an allowed origin or none (see requireAllowedOrigin). */
export const refreshCookieGuard = () => guard('refresh cookie', refreshCookieSecurity, requireAllowedOrigin());

/**
 * A route that takes API keys too: `tokenGuard` (authGuard(), liveSessionGuard()...) for access
 * tokens, or a key holding `need.scope` whose owner is one of `need.owners` (see acceptApiKeys). The
 * document lists both schemes, the key's with the scope it needs.
 */
export function withApiKeys(tokenGuard: ReturnType<typeof guard>, need: ApiKeyNeed) {
  return guard(
    `${tokenGuard['x-liftoff-guard']}; or ${apiKeyGuardName(need)}`,
    [...tokenGuard.security, { ApiKey: need.scope ? [need.scope] : [] }],
    acceptApiKeys(need, ...tokenGuard.middleware),
  );
}

/** An API key and nothing else (GET /api/api-keys/self). */
export const apiKeyGuard = (need: ApiKeyNeed) => guard(apiKeyGuardName(need), [{ ApiKey: [] }], acceptApiKeys(need));

/** "a user's API key (read)", for `x-liftoff-guard`. */
const apiKeyGuardName = (need: ApiKeyNeed) =>
  `${need.owners.map((owner) => (owner === 'user' ? "a user's" : "an organization's")).join(' or ')} API key` +
  (need.scope ? ` (${need.scope})` : '');

export const openApiInfo = {
  openapi: '3.1.0',
  info: {
    title: 'Liftoff API',
    version: '0.1.0',
    description:
      'Accounts and sessions, OAuth sign-in, Stripe subscriptions, transactional email and an admin area. ' +
      'Every error is `{"error", "code"}` JSON; every response carries `X-Request-Id`.',
  },
} as const;
