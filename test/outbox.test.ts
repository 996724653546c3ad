// The outbox loses nothing: a provider outage leaves the email queued, the scheduled job delivers it
// later exactly once, and gives up after the retry limit. Resend is a local fake (test/support/fakes).
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../src/index';
import { pruneOlderThan } from '../src/db/cleanup';
import { createDatabase } from '../src/db/client';
import { MAX_ATTEMPTS } from '../src/email/outbox';
import { countRows, STRONG_PASSWORD, uniqueEmail, uniqueIp } from './support/auth';
import { advanceClock } from './support/clock';
import { callWithBindings } from './support/http';
import { emailsTo } from './support/mailbox';
import type { ReceivedEmail } from './support/fakes/resend-fake';

afterEach(() => vi.useRealTimers());

/** Settings that send through the fake, namespaced by a fresh API key per test. */
function resendSettings() {
  return {
    EMAIL_PROVIDER: 'resend',
    RESEND_API_KEY: `re_test_${crypto.randomUUID()}`,
    RESEND_API_URL: env.TEST_RESEND_FAKE_URL,
    EMAIL_FROM: 'Liftoff <no-reply@example.com>',
  };
}

async function setOutage(key: string, status: number | null) {
  await fetch(`${env.TEST_RESEND_FAKE_URL}/__fake/fail`, { method: 'POST', body: JSON.stringify({ key, status }) });
}

async function received(key: string): Promise<ReceivedEmail[]> {
  return (await fetch(`${env.TEST_RESEND_FAKE_URL}/__fake/received?key=${encodeURIComponent(key)}`)).json();
}

async function registerWith(settings: Record<string, string>) {
  const email = uniqueEmail();
  const response = await callWithBindings(settings, '/api/auth/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
    body: JSON.stringify({ email, password: STRONG_PASSWORD }),
  });
  expect(response.status).toBe(201);
  return email;
}

async function runCron(settings: Record<string, string>) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }),
    { ...env, ...settings } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe('email delivery through Resend', () => {
  it('delivers after the response with the Resend API shape, an idempotency key, and erases the body', async () => {
    const settings = resendSettings();
    const email = await registerWith(settings);
    const [sent] = await received(settings.RESEND_API_KEY);
    expect(sent?.body).toMatchObject({
      from: 'Liftoff <no-reply@example.com>',
      to: [email],
      subject: 'Confirm your email address',
    });
    expect(sent?.body.text).toContain('/verify-email?token=');
    expect(sent?.body.html).toContain('<a href=');
    const [row] = await emailsTo(email);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, text_body: null });
    expect(sent?.idempotencyKey).toBe(row?.id);
  });

  it('keeps the email through an outage, and the scheduled job delivers it exactly once', async () => {
    const settings = resendSettings();
    await setOutage(settings.RESEND_API_KEY, 500);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const email = await registerWith(settings);
    let [row] = await emailsTo(email);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row?.last_error).toContain('500');
    expect(row?.text_body).toContain('/verify-email?token=');
    expect(await received(settings.RESEND_API_KEY)).toHaveLength(0);

    // Not due yet: the cron leaves it alone.
    await runCron(settings);
    expect((await emailsTo(email))[0]?.attempts).toBe(1);

    await setOutage(settings.RESEND_API_KEY, null);
    advanceClock(61_000);
    await runCron(settings);
    [row] = await emailsTo(email);
    expect(row).toMatchObject({ status: 'sent', attempts: 2, text_body: null });
    const deliveries = await received(settings.RESEND_API_KEY);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]?.idempotencyKey).toBe(row?.id);

    // Later runs never send a delivered email again.
    advanceClock(3_600_000);
    await runCron(settings);
    await runCron(settings);
    expect(await received(settings.RESEND_API_KEY)).toHaveLength(1);
  });

  it('backs off between attempts and gives up after the retry limit', async () => {
    const settings = resendSettings();
    await setOutage(settings.RESEND_API_KEY, 503);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const email = await registerWith(settings);
    let elapsed = 0;
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      const [row] = await emailsTo(email);
      elapsed = row!.next_attempt_at - Date.now() + 1000;
      advanceClock(elapsed);
      await runCron(settings);
      expect((await emailsTo(email))[0]?.attempts).toBe(attempt);
    }
    const [row] = await emailsTo(email);
    expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
    advanceClock(86_400_000);
    await runCron(settings);
    expect((await emailsTo(email))[0]?.attempts).toBe(MAX_ATTEMPTS);
  });

  it('picks up an email whose sender died mid-delivery once its claim expires', async () => {
    const settings = resendSettings();
    const email = await registerWith(settings);
    const [row] = await emailsTo(email);
    // Simulate a crash between claiming and recording: the row is stuck in `sending`.
    await env.DB.prepare(
      "UPDATE email_outbox SET status = 'sending', locked_until = ?, text_body = 'body', sent_at = NULL WHERE id = ?",
    )
      .bind(Date.now() + 120_000, row!.id)
      .run();
    await runCron(settings);
    expect((await emailsTo(email))[0]?.status).toBe('sending');
    advanceClock(121_000);
    await runCron(settings);
    expect((await emailsTo(email))[0]?.status).toBe('sent');
    // The retry carries the same idempotency key, so Resend would drop a duplicate.
    const keys = (await received(settings.RESEND_API_KEY)).map((r) => r.idempotencyKey);
    expect(keys).toEqual([row!.id, row!.id]);
  });
});

describe('the scheduled cleanup', () => {
  it('deletes ended sessions, spent tokens, old emails and stale rate-limit hits, and keeps live rows', async () => {
    const email = await registerWith({});
    const userId = (await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>())!
      .id;
    const old = Date.now() - 2 * 86_400_000;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO sessions (id, user_id, auth_method, created_at, last_used_at, expires_at) VALUES (?, ?, 'password', ?, ?, ?)",
      ).bind(`old-${userId}`, userId, old, old, old + 1000),
      env.DB.prepare('INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)').bind(
        `h-${userId}`,
        `old-${userId}`,
        old,
      ),
      env.DB.prepare('INSERT INTO rate_limit_hits (key, hit_at) VALUES (?, ?)').bind(
        `cleanup-${userId}`,
        Date.now() - 2 * 3_600_000,
      ),
      env.DB.prepare('UPDATE account_tokens SET expires_at = ? WHERE user_id = ?').bind(old, userId),
      env.DB.prepare("UPDATE email_outbox SET status = 'sent', sent_at = ? WHERE user_id = ?").bind(
        Date.now() - 8 * 86_400_000,
        userId,
      ),
    ]);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await runCron({});
    expect(await countRows('sessions', 'id = ?', `old-${userId}`)).toBe(0);
    expect(await countRows('refresh_tokens', 'token_hash = ?', `h-${userId}`)).toBe(0);
    expect(await countRows('rate_limit_hits', 'key = ?', `cleanup-${userId}`)).toBe(0);
    expect(await countRows('account_tokens', 'user_id = ?', userId)).toBe(0);
    expect(await countRows('email_outbox', 'user_id = ?', userId)).toBe(0);
    // The live session from sign-up stays.
    expect(await countRows('sessions', 'user_id = ?', userId)).toBe(1);
  });

  it('prunes audit entries and the Stripe event ledger past their retention settings, keeping newer rows', async () => {
    const tag = crypto.randomUUID();
    const day = 86_400_000;
    const now = Date.now();
    const audit = (id: string, age: number) =>
      env.DB.prepare(
        "INSERT INTO audit_log (id, action, metadata, created_at) VALUES (?, 'test.retention', ?, ?)",
      ).bind(`${id}-${tag}`, tag, now - age);
    const event = (id: string, age: number) =>
      env.DB.prepare(
        "INSERT INTO stripe_events (id, type, event_created, outcome, received_at) VALUES (?, 'invoice.paid', 0, 'applied', ?)",
      ).bind(`evt_${id}_${tag}`, now - age);
    await env.DB.batch([audit('old', 11 * day), audit('new', 9 * day), event('old', 36 * day), event('new', 34 * day)]);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await runCron({ AUDIT_RETENTION_DAYS: '10', STRIPE_EVENT_RETENTION_DAYS: '35' });
    expect(await countRows('audit_log', 'metadata = ?', tag)).toBe(1);
    expect(await countRows('audit_log', 'id = ?', `new-${tag}`)).toBe(1);
    expect(await countRows('stripe_events', 'id = ?', `evt_old_${tag}`)).toBe(0);
    expect(await countRows('stripe_events', 'id = ?', `evt_new_${tag}`)).toBe(1);
  });

  it('deletes in bounded chunks, oldest first, so a backlog is worked off over several runs', async () => {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const cutoff = 1_000_000;
    await env.DB.batch(
      Array.from({ length: 25 }, (_, i) =>
        env.DB.prepare("INSERT INTO audit_log (id, action, metadata, created_at) VALUES (?, 'test.chunks', ?, ?)").bind(
          `chunk-${i}-${tag}`,
          tag,
          i,
        ),
      ),
    );
    // Other tests' rows are all newer than this cutoff, so only these 25 are candidates.
    expect(await pruneOlderThan(db, 'audit_log', cutoff, { chunkRows: 10, maxChunks: 2 })).toBe(20);
    expect(await countRows('audit_log', 'metadata = ?', tag)).toBe(5);
    // The oldest went first.
    expect(await countRows('audit_log', 'metadata = ? AND created_at >= 20', tag)).toBe(5);
    expect(await pruneOlderThan(db, 'audit_log', cutoff, { chunkRows: 10, maxChunks: 2 })).toBe(5);
    expect(await countRows('audit_log', 'metadata = ?', tag)).toBe(0);
  });
});
