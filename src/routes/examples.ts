// GET /api/examples/paid: the pattern for a paid feature: subscriberGuard() (requireAuth, then
// requireSubscription). The organization's example is routes/org-example.ts.
import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_ERRORS, errorResponses, jsonResponse, subscriberGuard } from '../openapi';
import { createRouter } from '../router';

const paidRoute = createRoute({
  method: 'get',
  path: '/examples/paid',
  operationId: 'getPaidExample',
  tags: ['Billing'],
  summary: 'An example paid feature (copy this route for yours)',
  ...subscriberGuard(),
  responses: {
    200: jsonResponse(z.object({ message: z.string() }), 'You are a subscriber.'),
    ...errorResponses(BEARER_ERRORS, 'SUBSCRIPTION_REQUIRED'),
  },
});

export const examplesRouter = createRouter().openapi(paidRoute, (c) =>
  c.json({ message: 'Welcome, subscriber: this is where a paid feature goes.' }, 200),
);
