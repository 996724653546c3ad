// GET /api/health: 200 once the database answers.
import { createRoute, z } from '@hono/zod-openapi';
import { pingDatabase } from '../db/health';
import { AppError } from '../errors';
import { createRouter } from '../router';
import { errorResponses, jsonResponse } from '../openapi';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['System'],
  summary: 'Liveness and database check',
  responses: {
    200: jsonResponse(z.object({ status: z.literal('ok') }), 'The API and its database answer.'),
    ...errorResponses(503),
  },
});

export const healthRouter = createRouter().openapi(healthRoute, async (c) => {
  try {
    await pingDatabase(c.get('db'));
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'database ping failed',
        request_id: c.get('requestId'),
        error: String(err),
      }),
    );
    throw new AppError(503, 'DATABASE_UNAVAILABLE', 'The database is not answering.');
  }
  return c.json({ status: 'ok' as const }, 200);
});
