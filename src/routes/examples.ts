// GET /api/examples/paid: the pattern for a paid feature: requireAuth, then requireSubscription.
import { createRoute, z } from '@hono/zod-openapi';
import { requireAuth } from '../middleware/require-auth';
import { requireSubscription } from '../middleware/require-subscription';
import { errorResponses } from '../openapi';
import { createRouter } from '../router';
import { bearerSecurity } from './schemas';

const paidRoute = createRoute({
  method: 'get',
  path: '/examples/paid',
  tags: ['Billing'],
  summary: 'An example paid feature (copy this route for yours)',
  middleware: [requireAuth(), requireSubscription()] as const,
  security: bearerSecurity,
  responses: {
    200: {
      description: 'You are a subscriber.',
      content: { 'application/json': { schema: z.object({ message: z.string() }) } },
    },
    ...errorResponses(401, 402),
  },
});

export const examplesRouter = createRouter().openapi(paidRoute, (c) =>
  c.json({ message: 'Welcome, subscriber: this is where a paid feature goes.' }, 200),
);
