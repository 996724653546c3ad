// /api/billing: Checkout, the customer portal, and the user's subscription. Each reaches Stripe or shows
// payment data, so each also checks that the session is live (getLiveAccount), in the same D1 read.
// The subscription takes a user's API key with the billing:read scope too.
import { createRoute, z } from '@hono/zod-openapi';
import { getCallerAccount } from '../auth/accounts';
import { createCheckoutSession, createPortalSession } from '../billing/checkout';
import { toSubscriptionSummary } from '../billing/subscription';
import {
  API_KEY_ERRORS,
  authGuard,
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  withApiKeys,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { subscriptionSummarySchema } from './schemas';

const urlSchema = z.object({ url: z.string().openapi({ example: 'https://checkout.stripe.com/c/pay/cs_test_...' }) });
const redirectResponse = jsonResponse(urlSchema, 'Redirect the browser to `url`.');

const plansRoute = createRoute({
  method: 'get',
  path: '/billing/plans',
  operationId: 'listPlans',
  security: [],
  tags: ['Billing'],
  summary: 'The prices a checkout accepts (STRIPE_PRICE_IDS, in order)',
  description:
    'Ids only, from the settings (no call to Stripe): the front end names and prices them. Empty when billing is not configured.',
  responses: {
    200: jsonResponse(
      z.object({ plans: z.array(z.object({ price_id: z.string().openapi({ example: 'price_1Pq...' }) })) }),
      'The plans, in the order of STRIPE_PRICE_IDS.',
    ),
    ...errorResponses(),
  },
});

const checkoutRoute = createRoute({
  method: 'post',
  path: '/billing/checkout',
  operationId: 'createCheckout',
  tags: ['Billing'],
  summary: 'Start a Stripe Checkout for a subscription',
  ...authGuard(),
  request: { body: jsonRequest(z.object({ price_id: z.string().min(1).max(255) })) },
  responses: {
    200: redirectResponse,
    ...errorResponses(
      BEARER_ERRORS,
      JSON_BODY_ERRORS,
      'PRICE_NOT_ALLOWED',
      'ALREADY_SUBSCRIBED',
      'BILLING_NOT_CONFIGURED',
    ),
  },
});

const portalRoute = createRoute({
  method: 'post',
  path: '/billing/portal',
  operationId: 'createPortalSession',
  tags: ['Billing'],
  summary: 'Open the Stripe customer portal',
  ...authGuard(),
  responses: {
    200: redirectResponse,
    ...errorResponses(BEARER_ERRORS, 'NO_BILLING_ACCOUNT', 'BILLING_NOT_CONFIGURED'),
  },
});

const subscriptionRoute = createRoute({
  method: 'get',
  path: '/billing/subscription',
  operationId: 'getSubscription',
  tags: ['Billing'],
  summary: 'My subscription, as the Stripe webhooks last described it',
  ...withApiKeys(authGuard(), { scope: 'billing:read', owners: ['user'], account: true }),
  responses: {
    200: jsonResponse(subscriptionSummarySchema, '`{status: "none"}` without one.'),
    ...errorResponses(BEARER_ERRORS, API_KEY_ERRORS, 'FORBIDDEN'),
  },
});

export const billingRouter = createRouter()
  .openapi(plansRoute, (c) =>
    c.json({ plans: (c.get('config').stripe?.priceIds ?? []).map((price_id) => ({ price_id })) }, 200),
  )
  .openapi(checkoutRoute, async (c) =>
    c.json({ url: await createCheckoutSession(depsFrom(c), c.get('auth'), c.req.valid('json').price_id) }, 200),
  )
  .openapi(portalRoute, async (c) => c.json({ url: await createPortalSession(depsFrom(c), c.get('auth')) }, 200))
  .openapi(subscriptionRoute, async (c) =>
    c.json(toSubscriptionSummary((await getCallerAccount(depsFrom(c), c.var, 'replica')).subscription), 200),
  );
