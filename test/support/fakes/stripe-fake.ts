// A local stand-in for the Stripe API endpoints Liftoff calls (customers, Checkout, portal,
// subscription update and cancel, customer deletion), run in Node on loopback by test/support/global-setup.ts. Responses follow Stripe's
// shapes; each test is a namespace by its secret key, and can read back what was requested.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  idempotencyKey: string | null;
}

interface Namespace {
  requests: StripeRequest[];
  idempotent: Map<string, { status: number; body: unknown }>;
  /** Requests still to answer with a 500 (POST /__fake/fail-next). */
  failNext: number;
  /** Subscription item quantities as updates left them, by subscription id. */
  quantities: Map<string, number>;
}

const id = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`;

export async function startStripeFake(): Promise<{ url: string; server: Server }> {
  const namespaces = new Map<string, Namespace>();
  const namespace = (key: string) => {
    let ns = namespaces.get(key);
    if (!ns) namespaces.set(key, (ns = { requests: [], idempotent: new Map(), failNext: 0, quantities: new Map() }));
    return ns;
  };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': id('req') });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/__fake/requests') return reply(200, namespace(url.searchParams.get('key') ?? '').requests);
    if (url.pathname === '/__fake/fail-next') {
      namespace(url.searchParams.get('key') ?? '').failNext = Number(url.searchParams.get('count') ?? '1');
      return reply(200, {});
    }
    if (url.pathname === '/__fake/quantity') {
      const quantity = namespace(url.searchParams.get('key') ?? '').quantities.get(url.searchParams.get('id') ?? '');
      return reply(200, { quantity: quantity ?? null });
    }

    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!key)
      return reply(401, { error: { type: 'invalid_request_error', message: 'You did not provide an API key.' } });
    const ns = namespace(key);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const idempotencyKey = (req.headers['idempotency-key'] as string | undefined) ?? null;
    ns.requests.push({ method: req.method ?? '', path: url.pathname, params, idempotencyKey });
    // Stripe replays the first response for a repeated idempotency key, a failure included.
    const replayKey = idempotencyKey ? `${req.method} ${url.pathname} ${idempotencyKey}` : null;
    const replayed = replayKey ? ns.idempotent.get(replayKey) : undefined;
    if (replayed) return reply(replayed.status, replayed.body);
    // Keys named sk_test_outage_* get Stripe's answer to an internal failure, for fault tests; so do
    // the next requests after POST /__fake/fail-next.
    if (key.startsWith('sk_test_outage_') || ns.failNext > 0) {
      ns.failNext = Math.max(0, ns.failNext - 1);
      const failure = { error: { type: 'api_error', message: 'An unknown error occurred' } };
      if (replayKey) ns.idempotent.set(replayKey, { status: 500, body: failure });
      return reply(500, failure);
    }
    const remember = (body: unknown) => {
      if (replayKey) ns.idempotent.set(replayKey, { status: 200, body });
      reply(200, body);
    };

    if (req.method === 'POST' && url.pathname === '/v1/customers') {
      // A slow create widens the window in which concurrent first checkouts overlap.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const raced = replayKey ? ns.idempotent.get(replayKey) : undefined;
      if (raced) return reply(raced.status, raced.body);
      return remember({
        id: id('cus'),
        object: 'customer',
        email: params.email ?? null,
        metadata: { user_id: params['metadata[user_id]'] },
      });
    }
    const customerPath = /^\/v1\/customers\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && customerPath) {
      return reply(200, { id: customerPath[1], object: 'customer', deleted: true });
    }
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      const sessionId = id('cs_test');
      return remember({
        id: sessionId,
        object: 'checkout.session',
        mode: params.mode,
        customer: params.customer,
        client_reference_id: params.client_reference_id ?? null,
        status: 'open',
        url: `https://checkout.stripe.com/c/pay/${sessionId}`,
      });
    }
    if (req.method === 'POST' && url.pathname === '/v1/billing_portal/sessions') {
      return remember({
        id: id('bps'),
        object: 'billing_portal.session',
        customer: params.customer,
        return_url: params.return_url,
        url: `https://billing.stripe.com/p/session/test_${randomUUID()}`,
      });
    }
    const subscriptionPath = /^\/v1\/subscriptions\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && subscriptionPath) {
      // A slow update widens the window in which concurrent pushes could overlap.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const quantity = Number(params['items[0][quantity]']);
      ns.quantities.set(subscriptionPath[1]!, quantity);
      return remember({
        id: subscriptionPath[1],
        object: 'subscription',
        status: 'active',
        items: { object: 'list', data: [{ id: params['items[0][id]'], object: 'subscription_item', quantity }] },
      });
    }
    if (req.method === 'DELETE' && subscriptionPath) {
      return reply(200, { id: subscriptionPath[1], object: 'subscription', status: 'subscriptionPathed' });
    }
    reply(404, {
      error: {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `Unrecognized request URL (${req.method}: ${url.pathname}).`,
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
