// GET /api/examples/paid: the pattern for a paid feature: subscriberGuard() (requireAuth, then requireSubscription).
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponses, jsonResponse, subscriberGuard } from '../openapi';
import { createRouter } from '../router';

const paidRoute = createRoute({
  method: 'get',
  path: '/examples/paid',
  tags: ['Billing'],
  summary: 'An example paid feature (copy this route for yours)',
  ...subscriberGuard(),
  responses: {
    200: jsonResponse(z.object({ message: z.string() }), 'You are a subscriber.'),
    ...errorResponses(401, 402),
  },
});

export const examplesRouter = createRouter().openapi(paidRoute, (c) =>
  c.json({ message: 'Welcome, subscriber: this is where a paid feature goes.' }, 200),
);
