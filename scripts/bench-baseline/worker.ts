// The floor `npm run bench` measures Liftoff against: the same three routes doing the same D1 work
// (the same queries, in as many round trips, through D1 sessions returning X-D1-Bookmark as
// Liftoff's read replication does) with nothing but Hono, jose and hand-written SQL: no validation
// library, no settings parsing, no middleware, no logging. Not part of Liftoff.
import { Hono } from 'hono';
import { importJWK, jwtVerify, type JWK } from 'jose';

interface Bindings {
  DB: D1Database;
  API_URL: string;
  JWT_SIGNING_KEYS: string;
  STRIPE_WEBHOOK_SECRET: string;
}

// Derived once per isolate, as Liftoff caches its imported keys.
let verifyingKey: Promise<CryptoKey | Uint8Array> | undefined;
let webhookKey: Promise<CryptoKey> | undefined;

const unauthorized = { error: 'The access token is not valid.', code: 'TOKEN_INVALID' };

const app = new Hono<{ Bindings: Bindings }>();

app.get('/api/health', async (c) => {
  const db = c.env.DB.withSession('first-primary');
  await db.prepare('select 1').run();
  c.header('X-D1-Bookmark', db.getBookmark() ?? '');
  return c.json({ status: 'ok' });
});

// Verify the access token, then the user, their current subscription and the session's liveness in
// one batch (Liftoff's GET /api/me reads the same three).
app.get('/api/me', async (c) => {
  const token = c.req.header('Authorization')?.replace(/^Bearer /, '');
  if (!token) return c.json(unauthorized, 401);
  verifyingKey ??= importJWK({ ...(JSON.parse(c.env.JWT_SIGNING_KEYS).keys[0] as JWK), d: undefined }, 'ES256');
  let userId: string, sessionId: string;
  try {
    const { payload } = await jwtVerify(token, await verifyingKey, {
      algorithms: ['ES256'],
      issuer: c.env.API_URL,
      audience: c.env.API_URL,
      typ: 'at+jwt',
    });
    userId = String(payload.sub);
    sessionId = String(payload.sid);
  } catch {
    return c.json(unauthorized, 401);
  }
  const now = Date.now();
  const db = c.env.DB.withSession(c.req.header('X-D1-Bookmark') ?? 'first-unconstrained');
  const [user, subscription, live] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT * FROM users WHERE id = ? LIMIT 1').bind(userId),
    db
      .prepare(
        `SELECT * FROM subscriptions WHERE user_id = ?
       ORDER BY CASE WHEN status IN ('active', 'trialing') THEN 2 WHEN status IN ('past_due', 'unpaid') THEN 1 ELSE 0 END DESC,
                last_event_created DESC, updated_at DESC LIMIT 1`,
      )
      .bind(userId),
    db
      .prepare(
        `SELECT sessions.id FROM sessions JOIN users ON users.id = sessions.user_id
       WHERE sessions.id = ? AND sessions.revoked_at IS NULL AND sessions.expires_at > ?
         AND users.disabled_at IS NULL AND sessions.user_id = ? LIMIT 1`,
      )
      .bind(sessionId, now, userId),
  ]);
  const row = user?.results[0];
  if (!row || live?.results.length === 0) return c.json(unauthorized, 401);
  c.header('X-D1-Bookmark', db.getBookmark() ?? '');
  return c.json({
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      email_verified: row.email_verified_at !== null,
    },
    subscription: subscription?.results[0] ?? null,
  });
});

// Stripe's signature (HMAC-SHA256 over "t.payload", 5-minute tolerance), then the same two round
// trips as Liftoff: read the user and the stored event time, write the ledger row, the upsert and
// the audit entry in one batch.
app.post('/api/webhooks/stripe', async (c) => {
  const payload = await c.req.text();
  const header = c.req.header('Stripe-Signature') ?? '';
  const timestamp = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const signatures = [...header.matchAll(/(?:^|,)v1=([0-9a-f]+)/g)].map((match) => match[1]);
  if (!timestamp || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300)
    return c.json({ code: 'SIGNATURE_INVALID' }, 400);
  webhookKey ??= crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(c.env.STRIPE_WEBHOOK_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', await webhookKey, new TextEncoder().encode(`${timestamp}.${payload}`)),
  );
  const expected = [...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  if (!signatures.includes(expected)) return c.json({ code: 'SIGNATURE_INVALID' }, 400);

  const event = JSON.parse(payload);
  const db = c.env.DB.withSession('first-primary');
  const subscription = event.data.object;
  const item = subscription.items?.data?.[0];
  const [users, stored] = await db.batch<{ id: string; created?: number }>([
    db
      .prepare(
        'SELECT id, email, name, stripe_customer_id FROM users WHERE id = ?1 OR (?2 IS NOT NULL AND stripe_customer_id = ?2) ORDER BY id = ?1 DESC LIMIT 1',
      )
      .bind(subscription.metadata?.user_id ?? '', subscription.customer),
    db.prepare('SELECT last_event_created AS created FROM subscriptions WHERE id = ?').bind(subscription.id),
  ]);
  const userId = users?.results[0]?.id ?? null;
  const now = Date.now();
  const statements = [
    db
      .prepare('INSERT INTO stripe_events (id, type, event_created, outcome, received_at) VALUES (?, ?, ?, ?, ?)')
      .bind(event.id, event.type, event.created, userId ? 'applied' : 'unmatched', now),
  ];
  if (userId && !((stored?.results[0]?.created ?? 0) > event.created)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO subscriptions (id, user_id, customer_id, status, price_id, current_period_end, cancel_at_period_end,
                                    last_event_created, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (id) DO UPDATE SET
           status = excluded.status, price_id = excluded.price_id, current_period_end = excluded.current_period_end,
           cancel_at_period_end = excluded.cancel_at_period_end, last_event_created = excluded.last_event_created,
           updated_at = excluded.updated_at
         WHERE excluded.last_event_created >= subscriptions.last_event_created`,
        )
        .bind(
          subscription.id,
          userId,
          subscription.customer,
          subscription.status,
          item?.price?.id ?? null,
          item?.current_period_end ? item.current_period_end * 1000 : null,
          subscription.cancel_at_period_end ? 1 : 0,
          event.created,
          now,
        ),
    );
  }
  statements.push(
    db
      .prepare(
        `INSERT INTO audit_log (id, user_id, actor_id, action, ip_address, user_agent, metadata, created_at)
       VALUES (?, ?, NULL, ?, NULL, NULL, ?, ?)`,
      )
      .bind(
        crypto.randomUUID(),
        userId,
        `billing.${event.type}`,
        JSON.stringify({ event_id: event.id, subscription_id: subscription.id }),
        now,
      ),
  );
  try {
    await db.batch(statements);
  } catch (err) {
    if (!String(err).includes('UNIQUE constraint failed: stripe_events.id')) throw err;
  }
  c.header('X-D1-Bookmark', db.getBookmark() ?? '');
  return c.json({ received: true });
});

export default app;
