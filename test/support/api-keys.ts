// API-key test helpers: making a key through the API (as its owner would), calling with one, and
// an organization with an owner, an admin and a member.
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import { bearer, register, type SignedInClient } from './auth';
import { call } from './http';
import { orgCall } from './orgs';
import { jsonCall, markVerified } from './two-factor';

export interface NewKey {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  start: string;
  last4: string;
  rate_limit_per_minute: number;
  owner: { type: 'user' | 'organization'; id: string };
}

/** POST /api/me/api-keys (or /api/orgs/{id}/api-keys) as `client`; 201 expected. */
export async function makeKey(
  client: SignedInClient,
  input: Record<string, unknown> = {},
  organizationId?: string,
): Promise<NewKey> {
  const path = organizationId ? `/api/orgs/${organizationId}/api-keys` : '/api/me/api-keys';
  const response = await jsonCall('POST', path, client.accessToken, { name: 'Script', scopes: ['read'], ...input });
  expect(response.status).toBe(201);
  return response.json<NewKey>();
}

/** A signed-in user with a verified address and one key. */
export async function userWithKey(input: Record<string, unknown> = {}) {
  const client = await register();
  await markVerified(client.userId);
  return { client, key: await makeKey(client, input) };
}

/** A request presenting `key` as the bearer credential. */
export function withKey(key: string, path: string, init: RequestInit = {}) {
  return call(path, { ...init, headers: { ...bearer(key), ...(init.headers as Record<string, string>) } });
}

/** An organization made through the API by its owner, with an admin and a member added, and an outsider (all verified). */
export async function team() {
  const [owner, admin, member, outsider] = await Promise.all([register(), register(), register(), register()]);
  for (const client of [owner, admin, member, outsider]) await markVerified(client.userId);
  const response = await orgCall(owner, 'POST', '', { name: 'Acme', slug: `org-${crypto.randomUUID().slice(0, 8)}` });
  expect(response.status).toBe(201);
  const org = await response.json<{ id: string }>();
  for (const [client, role] of [
    [admin, 'admin'],
    [member, 'member'],
  ] as const) {
    await env.DB.prepare('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
      .bind(org.id, client.userId, role, Date.now())
      .run();
  }
  return { org, owner, admin, member, outsider };
}

/** An active subscription, as the Stripe webhooks would have stored it. */
export async function subscribeUser(userId: string) {
  await env.DB.prepare(
    `INSERT INTO subscriptions (id, user_id, customer_id, status, price_id, last_event_created, updated_at)
     VALUES (?, ?, ?, 'active', 'price_basic', 1, ?)`,
  )
    .bind(`sub_${crypto.randomUUID()}`, userId, `cus_${crypto.randomUUID()}`, Date.now())
    .run();
}

export async function subscribeOrganization(organizationId: string) {
  await env.DB.prepare(
    `INSERT INTO organization_subscriptions (id, organization_id, customer_id, status, price_id, last_event_created, updated_at)
     VALUES (?, ?, ?, 'active', 'price_basic', 1, ?)`,
  )
    .bind(`sub_${crypto.randomUUID()}`, organizationId, `cus_${crypto.randomUUID()}`, Date.now())
    .run();
}

export async function keyRow(id: string) {
  return env.DB.prepare('SELECT * FROM api_keys WHERE id = ?').bind(id).first<Record<string, unknown>>();
}
