// /api/orgs/{id}/billing: an organization's subscription. Owners start a checkout (per seat on a
// STRIPE_SEAT_PRICE_IDS price: the quantity is the member count, kept in step with Stripe) and open
// the portal; every member reads the subscription and the seats. Each re-checks the role in D1.
import { createRoute, z } from '@hono/zod-openapi';
import {
  API_KEY_ERRORS,
  authGuard,
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
  withApiKeys,
} from '../openapi';
import {
  createOrganizationCheckout,
  createOrganizationPortal,
  getOrganizationBilling,
  getOrganizationBillingForKey,
} from '../orgs/billing';
import { createRouter, depsFrom } from '../router';
import { subscriptionSummarySchema } from './schemas';

const tags = ['Organizations'];
const params = z.object({ id: z.string().min(1).max(64) });
const redirectResponse = jsonResponse(
  z.object({ url: z.string().openapi({ example: 'https://checkout.stripe.com/c/pay/cs_test_...' }) }),
  'Redirect the browser to `url`.',
);

const checkoutRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/billing/checkout',
  operationId: 'createOrganizationCheckout',
  tags,
  summary: 'Start a Stripe Checkout for the organization (owners)',
  description:
    'On a price in STRIPE_SEAT_PRICE_IDS the quantity is the member count, and joins, removals and departures change it at Stripe (with proration); on another price it is 1.',
  ...liveSessionGuard(),
  request: { params, body: jsonRequest(z.object({ price_id: z.string().min(1).max(255) }).strict()) },
  responses: {
    200: redirectResponse,
    ...errorResponses(
      BEARER_ERRORS,
      JSON_BODY_ERRORS,
      'NOT_FOUND',
      'ORG_ROLE_REQUIRED',
      'PRICE_NOT_ALLOWED',
      'ALREADY_SUBSCRIBED',
      'BILLING_NOT_CONFIGURED',
    ),
  },
});

const portalRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/billing/portal',
  operationId: 'createOrganizationPortal',
  tags,
  summary: "Open the Stripe customer portal for the organization's billing (owners)",
  ...liveSessionGuard(),
  request: { params },
  responses: {
    200: redirectResponse,
    ...errorResponses(
      BEARER_ERRORS,
      'VALIDATION_ERROR',
      'NOT_FOUND',
      'ORG_ROLE_REQUIRED',
      'NO_BILLING_ACCOUNT',
      'BILLING_NOT_CONFIGURED',
    ),
  },
});

const billingRoute = createRoute({
  method: 'get',
  path: '/orgs/{id}/billing',
  operationId: 'getOrganizationBilling',
  tags,
  summary: "The organization's subscription and seats (members, or the organization's API key)",
  ...withApiKeys(authGuard(), { scope: 'billing:read', owners: ['organization'] }),
  request: { params },
  responses: {
    200: jsonResponse(
      z
        .object({
          subscription: subscriptionSummarySchema,
          seats: z.object({
            per_seat: z.boolean().openapi({ description: 'The subscription is on a per-seat price.' }),
            members: z.number().int().openapi({ description: 'The member count: the seats wanted.' }),
            billed: z
              .number()
              .int()
              .nullable()
              .openapi({ description: "The quantity on Stripe's subscription, as its webhooks last said." }),
            in_sync: z
              .boolean()
              .openapi({ description: 'False while a change of the member count waits to reach Stripe.' }),
          }),
        })
        .openapi('OrganizationBilling'),
      '`subscription.status` is "none" without one.',
    ),
    ...errorResponses(BEARER_ERRORS, API_KEY_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'FORBIDDEN'),
  },
});

export const orgBillingRouter = createRouter()
  .openapi(checkoutRoute, async (c) => {
    const url = await createOrganizationCheckout(
      depsFrom(c),
      c.get('auth'),
      c.req.valid('param').id,
      c.req.valid('json').price_id,
    );
    return c.json({ url }, 200);
  })
  .openapi(portalRoute, async (c) =>
    c.json({ url: await createOrganizationPortal(depsFrom(c), c.get('auth'), c.req.valid('param').id) }, 200),
  )
  .openapi(billingRoute, async (c) => {
    const owner = c.get('apiKey')?.owner;
    const { id } = c.req.valid('param');
    const billing =
      owner && 'organizationId' in owner
        ? await getOrganizationBillingForKey(depsFrom(c), owner.organizationId, id)
        : await getOrganizationBilling(depsFrom(c), c.get('auth'), id);
    return c.json(billing, 200);
  });
