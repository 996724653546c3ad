// Shared pieces of the OpenAPI description: the error body, JSON bodies, route guards and the document's header.
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ERROR_CODE_NAMES } from './error-codes';
import { requireAllowedOrigin } from './middleware/origin-check';
import { requireAdmin } from './middleware/require-admin';
import { requireAuth, requireLiveSession } from './middleware/require-auth';
import { requireSubscription } from './middleware/require-subscription';
import type { AppEnv } from './router';

export const errorBodySchema = z
  .object({
    error: z.string().openapi({ example: 'The request is not valid.' }),
    code: z.enum(ERROR_CODE_NAMES).openapi({
      example: 'VALIDATION_ERROR',
      description: 'Stable and machine-readable: switch on this, not on `error`.',
    }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Only for VALIDATION_ERROR.' }),
  })
  .openapi('Error');

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

// What each error status means; the codes themselves are the Error schema's `code` enum, from the
// catalogue (per-route lists of codes are the client SDK's job).
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
  502: 'An upstream service failed.',
  503: 'A dependency is unavailable.',
};

/** OpenAPI response entries for the given error statuses, all with the contract's error body. */
export function errorResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, jsonResponse(errorBodySchema, statusMeanings[status] ?? 'Error.')]),
  ) as Record<S, ReturnType<typeof jsonResponse<typeof errorBodySchema>>>;
}

/** The security schemes app.ts registers: the access token, and the refresh cookie. */
export const bearerSecurity = [{ Bearer: [] }];
export const refreshCookieSecurity = [{ RefreshCookie: [] }];

// Route guards: spread one into createRoute() for its middleware and the security it documents. Each
// call makes new middleware, as writing them out in each route did.
function guard<M extends MiddlewareHandler<AppEnv>[]>(security: Record<string, string[]>[], ...middleware: M) {
  return { middleware, security };
}

/** A valid access token, checked without D1 (see requireAuth). */
export const authGuard = () => guard(bearerSecurity, requireAuth());

/** A valid access token whose session is live in D1 (see requireLiveSession). */
export const liveSessionGuard = () => guard(bearerSecurity, requireLiveSession());

/** A valid access token and an active subscription (see requireSubscription). */
export const subscriberGuard = () => guard(bearerSecurity, requireAuth(), requireSubscription());

/** A live session of an admin (see requireAdmin). */
export const adminGuard = () => guard(bearerSecurity, requireAdmin());

/** The refresh cookie, from an allowed origin or none (see requireAllowedOrigin). */
export const refreshCookieGuard = () => guard(refreshCookieSecurity, requireAllowedOrigin());

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
