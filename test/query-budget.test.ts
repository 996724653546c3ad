// D1 round trips per request, asserted: a regression in the number of queries fails CI.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, cookieHeader, register, STRONG_PASSWORD, uniqueIp } from './support/auth';
import { billingSettings } from './support/billing';
import { countingD1 } from './support/d1';
import { callWithBindings } from './support/http';
import worker from '../src/index';
import { TEST_API_URL } from './support/settings';

/** Counts D1 work before the response, and separately what runs after it (waitUntil). */
async function measure(path: string, init?: RequestInit) {
  const { db, counts } = countingD1(env.DB);
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${TEST_API_URL}${path}`, init), { ...env, DB: db }, ctx);
  const beforeResponse = { ...counts };
  await waitOnExecutionContext(ctx);
  const afterResponse = { roundTrips: counts.roundTrips - beforeResponse.roundTrips };
  return { response, counts: beforeResponse, afterResponse };
}

describe('query budgets', () => {
  it('requireAuth costs no round trip: GET /api/me makes exactly one (the user row)', async () => {
    const client = await register();
    const { response, counts } = await measure('/api/me', { headers: bearer(client.accessToken) });
    expect(response.status).toBe(200);
    expect(counts.roundTrips).toBe(1);
  });

  it('an invalid token is refused without touching D1', async () => {
    const { response, counts } = await measure('/api/me', { headers: bearer('a.b.c') });
    expect(response.status).toBe(401);
    expect(counts.roundTrips).toBe(0);
  });

  it('refresh is exactly one batch', async () => {
    const client = await register();
    const { response, counts } = await measure('/api/auth/refresh', {
      method: 'POST',
      headers: cookieHeader(client.refreshToken),
    });
    expect(response.status).toBe(200);
    expect(counts).toMatchObject({ roundTrips: 1, batches: 1 });
  });

  it('listing my organizations is one round trip', async () => {
    const client = await register();
    const { response, counts } = await measure('/api/orgs', { headers: bearer(client.accessToken) });
    expect(response.status).toBe(200);
    expect(counts.roundTrips).toBe(1);
  });

  it('activating an organization is one round trip', async () => {
    const client = await register();
    const created = await callWithBindings({}, '/api/orgs', {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Budget' }),
    });
    const { id } = await created.json<{ id: string }>();
    const { response, counts } = await measure(`/api/orgs/${id}/activate`, {
      method: 'POST',
      headers: bearer(client.accessToken),
    });
    expect(response.status).toBe(200);
    expect(counts).toMatchObject({ roundTrips: 1, batches: 1 });
  });

  it('a malformed refresh token is refused without touching D1', async () => {
    for (const token of ['forged', 'a.b.c.d', 'x'.repeat(500)]) {
      const { response, counts } = await measure('/api/auth/refresh', { method: 'POST', headers: cookieHeader(token) });
      expect(response.status).toBe(401);
      expect(counts.roundTrips).toBe(0);
    }
  });

  it('a successful login takes two round trips, a failed one two as well', async () => {
    const client = await register();
    const body = (password: string) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email: client.email, password }),
    });
    const ok = await measure('/api/auth/login', body(STRONG_PASSWORD));
    expect(ok.response.status).toBe(200);
    expect(ok.counts.roundTrips).toBe(2);
    const failed = await measure('/api/auth/login', body('wrong-password-1'));
    expect(failed.response.status).toBe(401);
    expect(failed.counts.roundTrips).toBe(2);
  });

  it('register takes two round trips, then two after the response to deliver the verification email', async () => {
    const { response, counts, afterResponse } = await measure('/api/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': uniqueIp() },
      body: JSON.stringify({ email: `budget-${crypto.randomUUID()}@example.com`, password: STRONG_PASSWORD }),
    });
    expect(response.status).toBe(201);
    expect(counts.roundTrips).toBe(2);
    expect(afterResponse.roundTrips).toBe(2); // claim the outbox row, mark it sent
  });

  it('checkout takes two round trips the first time (user + subscription, store the customer), then one', async () => {
    const client = await register();
    const settings = billingSettings();
    const checkout = async () => {
      const { db, counts } = countingD1(env.DB);
      const response = await callWithBindings({ ...settings, DB: db }, '/api/billing/checkout', {
        method: 'POST',
        headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
        body: JSON.stringify({ price_id: 'price_pro' }),
      });
      expect(response.status).toBe(200);
      return counts.roundTrips;
    };
    expect(await checkout()).toBe(2);
    expect(await checkout()).toBe(1);
  });

  it('health takes one', async () => {
    const { counts } = await measure('/api/health');
    expect(counts.roundTrips).toBe(1);
  });
});
