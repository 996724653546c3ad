// POST /api/webhooks/stripe: verified over the raw body, then applied exactly once.
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { constructStripeEvent, stripeSettings } from '../billing/stripe-client';
import { applyStripeEvent, checkStripeEventShape } from '../billing/stripe-events';
import { deliverAfterResponse } from '../email/outbox';
import { AppError } from '../errors';
import { payloadTooLarge } from '../middleware/json-body';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter, depsFrom } from '../router';

/** Stripe's events are small, but invoices with many lines grow: room for them, not for abuse. */
const WEBHOOK_BODY_LIMIT_BYTES = 512 * 1024;

const webhookRoute = createRoute({
  method: 'post',
  path: '/webhooks/stripe',
  operationId: 'receiveStripeWebhook',
  security: [],
  tags: ['Billing'],
  summary: 'Stripe webhook endpoint (Stripe signature; no CORS)',
  description:
    'The raw body is verified against the Stripe-Signature header (5-minute tolerance) before anything parses it. ' +
    'Each event id is applied at most once; a redelivery answers 200 and changes nothing; a failure answers 500 so Stripe retries; ' +
    'a signed body that is not an event answers 400 VALIDATION_ERROR.',
  middleware: [
    bodyLimit({
      maxSize: WEBHOOK_BODY_LIMIT_BYTES,
      onError: () => {
        throw payloadTooLarge(WEBHOOK_BODY_LIMIT_BYTES);
      },
    }),
  ] as const,
  responses: {
    200: jsonResponse(z.object({ received: z.literal(true) }), 'Received (applied, recorded, or already done).'),
    ...errorResponses(
      'VALIDATION_ERROR',
      'PAYLOAD_TOO_LARGE',
      'SIGNATURE_MISSING',
      'SIGNATURE_INVALID',
      'BILLING_NOT_CONFIGURED',
    ),
  },
});

export const stripeWebhookRouter = createRouter().openapi(webhookRoute, async (c) => {
  const settings = stripeSettings(c.get('config'));
  const signature = c.req.header('Stripe-Signature');
  if (!signature) throw new AppError('SIGNATURE_MISSING');
  // The exact bytes Stripe signed: read as text before anything could parse or re-encode them.
  const rawBody = await c.req.text();
  let event;
  try {
    event = await constructStripeEvent(settings, rawBody, signature);
  } catch {
    throw new AppError('SIGNATURE_INVALID');
  }
  const deps = depsFrom(c);
  const { outcome, outboxIds } = await applyStripeEvent(deps, checkStripeEventShape(event));
  deps.log.info('stripe event', { event_id: event.id, type: event.type, outcome });
  deliverAfterResponse(c, deps, outboxIds);
  return c.json({ received: true as const }, 200);
});
