// GET /api/examples/paid: the pattern for a paid feature: subscriberGuard() (requireAuth, then
// requireSubscription), here taking API keys with the read scope too (a user's key: the user's
// subscription decides; an organization's: the organization's). The organization's example is
// routes/org-example.ts.
import { createRoute, z } from '@hono/zod-openapi';
import { API_KEY_ERRORS, BEARER_ERRORS, errorResponses, jsonResponse, subscriberGuard } from '../openapi';
import { createRouter } from '../router';

const paidRoute = createRoute({
  method: 'get',
  path: '/examples/paid',
  operationId: 'getPaidExample',
  tags: ['Billing'],
  summary: 'An example paid feature (copy this route for yours)',
  ...subscriberGuard({ scope: 'read', owners: ['user', 'organization'], account: true }),
  responses: {
    200: jsonResponse(z.object({ message: z.string() }), 'You are a subscriber.'),
    ...errorResponses(BEARER_ERRORS, API_KEY_ERRORS, 'SUBSCRIPTION_REQUIRED'),
  },
});

export const examplesRouter = createRouter().openapi(paidRoute, (c) =>
  c.json({ message: 'Welcome, subscriber: this is where a paid feature goes.' }, 200),
);
