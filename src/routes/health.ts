// GET /api/health: 200 once the database answers.
import { createRoute, z } from '@hono/zod-openapi';
import { pingDatabase } from '../db/health';
import { AppError } from '../errors';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter } from '../router';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  security: [],
  tags: ['System'],
  summary: 'Liveness and database check',
  responses: {
    200: jsonResponse(z.object({ status: z.literal('ok') }), 'The API and its database answer.'),
    ...errorResponses('DATABASE_UNAVAILABLE'),
  },
});

export const healthRouter = createRouter().openapi(healthRoute, async (c) => {
  try {
    await pingDatabase(c.get('databases').primary);
  } catch (err) {
    c.get('log').error('database ping failed', { error: String(err) });
    throw new AppError('DATABASE_UNAVAILABLE');
  }
  return c.json({ status: 'ok' as const }, 200);
});
