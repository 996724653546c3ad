// Shared pieces of the OpenAPI description: the error body and the document's header.
import { z } from '@hono/zod-openapi';

export const errorBodySchema = z
  .object({
    error: z.string().openapi({ example: 'The request is not valid.' }),
    code: z.string().openapi({ example: 'VALIDATION_ERROR' }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Only for VALIDATION_ERROR.' }),
  })
  .openapi('Error');

const statusDescriptions: Record<number, string> = {
  400: 'Invalid input (VALIDATION_ERROR, INVALID_JSON or a route-specific code).',
  401: 'Not authenticated.',
  403: 'Not allowed.',
  404: 'Not found.',
  409: 'Conflict with the current state.',
  413: 'PAYLOAD_TOO_LARGE.',
  415: 'UNSUPPORTED_MEDIA_TYPE.',
  429: 'RATE_LIMITED; see Retry-After.',
  503: 'A dependency is unavailable.',
};

/** OpenAPI response entries for the given error statuses, all with the contract's error body. */
export function errorResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: statusDescriptions[status] ?? 'Error.',
        content: { 'application/json': { schema: errorBodySchema } },
      },
    ]),
  ) as Record<S, { description: string; content: { 'application/json': { schema: typeof errorBodySchema } } }>;
}

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
