// /api/auth/sessions: the user's own sessions, listed and revoked one by one.
import { createRoute, z } from '@hono/zod-openapi';
import { listSessions, revokeOwnSession } from '../auth/sessions';
import { BEARER_ERRORS, errorResponses, jsonResponse, liveSessionGuard } from '../openapi';
import { createRouter, depsFrom } from '../router';

const sessionSchema = z
  .object({
    id: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    last_used_at: z.string().openapi({ format: 'date-time' }),
    user_agent: z.string().nullable(),
    current: z.boolean().openapi({ description: 'True for the session of the token making this call.' }),
  })
  .openapi('Session');

const listRoute = createRoute({
  method: 'get',
  path: '/auth/sessions',
  operationId: 'listSessions',
  tags: ['Sessions'],
  summary: 'List my live sessions',
  ...liveSessionGuard(),
  responses: {
    200: jsonResponse(z.object({ sessions: z.array(sessionSchema) }), 'Live sessions, most recently used first.'),
    ...errorResponses(BEARER_ERRORS),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/auth/sessions/{id}',
  operationId: 'revokeSession',
  tags: ['Sessions'],
  summary: 'Revoke one of my sessions',
  ...liveSessionGuard(),
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    204: { description: 'Revoked.' },
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

export const sessionsRouter = createRouter()
  .openapi(listRoute, async (c) => c.json({ sessions: await listSessions(depsFrom(c), c.get('auth')) }, 200))
  .openapi(revokeRoute, async (c) => {
    await revokeOwnSession(depsFrom(c), c.get('auth'), c.req.valid('param').id);
    return c.body(null, 204);
  });
