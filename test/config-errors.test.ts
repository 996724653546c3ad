// A missing or malformed setting fails every request with 500 CONFIG_ERROR naming it.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { callWithBindings, expectError } from './support/http';
import { PRODUCTION_SETTINGS } from './support/settings';

async function expectConfigError(overrides: Record<string, unknown>, setting: string, path = '/api/health') {
  const response = await callWithBindings(overrides, path);
  const body = await expectError(response, 500, 'CONFIG_ERROR');
  expect(body.error).toContain(setting);
  // Headers that every response carries still apply to a misconfigured Worker.
  expect(response.headers.get('X-Request-Id')).toBeTruthy();
  expect(response.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
  return body;
}

describe('settings validation through the Worker', () => {
  it('names a missing required setting, on every route', async () => {
    await expectConfigError({ APP_URL: undefined }, 'APP_URL');
    await expectConfigError({ APP_URL: undefined }, 'APP_URL', '/api/openapi.json');
    await expectConfigError({ APP_URL: undefined }, 'APP_URL', '/no/such/route');
  });

  it('treats an empty value as missing', async () => {
    await expectConfigError({ API_URL: '' }, 'API_URL');
  });

  it('names APP_ENV when it is missing or unknown', async () => {
    await expectConfigError({ APP_ENV: undefined }, 'APP_ENV');
    await expectConfigError({ APP_ENV: 'staging' }, 'APP_ENV');
  });

  it('refuses a URL with a path, a non-http scheme or garbage', async () => {
    await expectConfigError({ APP_URL: 'http://app.test/path' }, 'APP_URL');
    await expectConfigError({ APP_URL: 'javascript:alert(1)' }, 'APP_URL');
    await expectConfigError({ API_URL: 'not a url' }, 'API_URL');
  });

  it('refuses wildcard or malformed CORS origins (credentials need exact origins)', async () => {
    await expectConfigError({ CORS_ORIGINS: '*' }, 'CORS_ORIGINS');
    await expectConfigError({ CORS_ORIGINS: 'http://app.test,https://*.example.com' }, 'CORS_ORIGINS');
  });

  it('requires a signing key or a secret, and never echoes key material', async () => {
    await expectConfigError({ JWT_SIGNING_KEYS: '' }, 'JWT_SIGNING_KEYS');
    const body = await expectConfigError(
      { JWT_SIGNING_KEYS: '{"keys":[{"kty":"RSA","d":"super-secret-d"}]}' },
      'JWT_SIGNING_KEYS',
    );
    expect(body.error).not.toContain('super-secret-d');
    await expectConfigError({ JWT_SIGNING_KEYS: 'not json' }, 'JWT_SIGNING_KEYS');
    await expectConfigError({ JWT_SIGNING_KEYS: '{"keys":[]}' }, 'JWT_SIGNING_KEYS');
  });

  it('refuses a public key where a private one is needed, and duplicate kids', async () => {
    const keys = JSON.parse((env as unknown as Record<string, string>).JWT_SIGNING_KEYS!).keys as Record<
      string,
      string
    >[];
    const { d: _private, ...publicOnly } = keys[0]!;
    await expectConfigError({ JWT_SIGNING_KEYS: JSON.stringify({ keys: [publicOnly] }) }, 'JWT_SIGNING_KEYS');
    await expectConfigError({ JWT_SIGNING_KEYS: JSON.stringify({ keys: [keys[0], keys[0]] }) }, 'JWT_SIGNING_KEYS');
  });

  it('refuses an HS256 secret under 32 bytes, and both JWT settings at once', async () => {
    const body = await expectConfigError({ JWT_SIGNING_KEYS: '', JWT_SECRET: 'short-secret-value' }, 'JWT_SECRET');
    expect(body.error).not.toContain('short-secret-value');
    await expectConfigError({ JWT_SECRET: 'x'.repeat(40) }, 'JWT_SECRET');
  });

  it('accepts an HS256 secret of 32 bytes instead of signing keys', async () => {
    const response = await callWithBindings({ JWT_SIGNING_KEYS: '', JWT_SECRET: 'k'.repeat(32) }, '/api/health');
    expect(response.status).toBe(200);
  });

  it('refuses non-numeric or out-of-range token lifetimes', async () => {
    await expectConfigError({ ACCESS_TOKEN_TTL: '15m' }, 'ACCESS_TOKEN_TTL');
    await expectConfigError({ ACCESS_TOKEN_TTL: '5' }, 'ACCESS_TOKEN_TTL');
    await expectConfigError({ REFRESH_TOKEN_TTL: '600', ACCESS_TOKEN_TTL: '900' }, 'REFRESH_TOKEN_TTL');
    await expectConfigError({ REFRESH_TOKEN_TTL: String(401 * 86_400) }, 'REFRESH_TOKEN_TTL');
  });

  it('refuses malformed admin emails', async () => {
    await expectConfigError({ ADMIN_EMAILS: 'admin@example.com,not-an-email' }, 'ADMIN_EMAILS');
  });

  it('needs the webhook secret and price ids once Stripe is on', async () => {
    await expectConfigError({ STRIPE_SECRET_KEY: 'sk_test_123' }, 'STRIPE_WEBHOOK_SECRET');
    await expectConfigError({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_1' }, 'STRIPE_PRICE_IDS');
  });

  it('refuses a per-seat price that is not offered', async () => {
    await expectConfigError(
      {
        STRIPE_SECRET_KEY: 'sk_test_123',
        STRIPE_WEBHOOK_SECRET: 'whsec_1',
        STRIPE_PRICE_IDS: 'price_a',
        STRIPE_SEAT_PRICE_IDS: 'price_b',
      },
      'STRIPE_SEAT_PRICE_IDS',
    );
  });

  it('needs RESEND_API_KEY for the resend provider, and refuses unknown providers', async () => {
    await expectConfigError({ EMAIL_PROVIDER: 'resend' }, 'RESEND_API_KEY');
    await expectConfigError({ EMAIL_PROVIDER: 'smtp' }, 'EMAIL_PROVIDER');
  });

  it('names every bad setting at once', async () => {
    const body = await expectConfigError({ APP_URL: undefined, JWT_SIGNING_KEYS: '' }, 'APP_URL');
    expect(body.error).toContain('JWT_SIGNING_KEYS');
  });

  it('recovers as soon as the bindings are fixed (nothing sticky between bindings objects)', async () => {
    await expectConfigError({ APP_URL: undefined }, 'APP_URL');
    expect((await callWithBindings({}, '/api/health')).status).toBe(200);
  });
});

describe('production refuses weak settings', () => {
  const production = PRODUCTION_SETTINGS;

  it('starts with https URLs and a real email provider', async () => {
    expect((await callWithBindings(production, '/api/health')).status).toBe(200);
  });

  it('refuses http origins', async () => {
    await expectConfigError({ ...production, APP_URL: 'http://app.example.com' }, 'APP_URL');
    await expectConfigError({ ...production, API_URL: 'http://api.example.com' }, 'API_URL');
    await expectConfigError({ ...production, CORS_ORIGINS: 'http://localhost:3000' }, 'CORS_ORIGINS');
  });

  it('refuses the log email provider and a missing sender', async () => {
    await expectConfigError({ ...production, EMAIL_PROVIDER: 'log' }, 'EMAIL_PROVIDER');
    await expectConfigError({ ...production, EMAIL_PROVIDER: '' }, 'EMAIL_PROVIDER');
    await expectConfigError({ ...production, EMAIL_FROM: '' }, 'EMAIL_FROM');
  });

  it('has no default signing key', async () => {
    await expectConfigError({ ...production, JWT_SIGNING_KEYS: '' }, 'JWT_SIGNING_KEYS');
  });
});
