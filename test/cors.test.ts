// CORS with credentials for exactly the configured origins; none at all for the Stripe webhook.
import { describe, expect, it } from 'vitest';
import { call } from './support/http';
import { TEST_APP_URL, TEST_OTHER_ALLOWED_ORIGIN } from './support/settings';

function preflight(path: string, origin: string, method = 'POST') {
  return call(path, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'content-type,authorization',
    },
  });
}

describe('CORS', () => {
  it('answers a preflight from an allowed origin with credentials, methods and headers', async () => {
    const response = await preflight('/api/auth/login', TEST_APP_URL);
    expect(response.status).toBe(204);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(TEST_APP_URL);
    expect(response.headers.get('Access-Control-Allow-Credentials')).toBe('true');
    expect(response.headers.get('Access-Control-Allow-Headers')).toBe('Content-Type,Authorization,X-D1-Bookmark');
    expect(response.headers.get('Access-Control-Allow-Methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']),
    );
    expect(response.headers.get('Vary')).toContain('Origin');
  });

  it('allows every configured origin, exactly', async () => {
    const response = await call('/api/health', { headers: { Origin: TEST_OTHER_ALLOWED_ORIGIN } });
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(TEST_OTHER_ALLOWED_ORIGIN);
    expect(response.headers.get('Access-Control-Expose-Headers')).toContain('X-Request-Id');
    expect(response.headers.get('Vary')).toContain('Origin');
  });

  it('gives a disallowed origin no Access-Control-Allow-Origin, also for look-alikes', async () => {
    for (const origin of ['https://evil.example', `${TEST_APP_URL}.evil.example`, 'http://app.test:8080', 'null']) {
      const simple = await call('/api/health', { headers: { Origin: origin } });
      expect(simple.headers.get('Access-Control-Allow-Origin')).toBeNull();
      const pre = await preflight('/api/auth/login', origin);
      expect(pre.headers.get('Access-Control-Allow-Origin')).toBeNull();
    }
  });

  it('keeps CORS headers on error responses so the front end can read the error', async () => {
    const response = await call('/api/missing', { headers: { Origin: TEST_APP_URL } });
    expect(response.status).toBe(404);
    expect(response.headers.get('Access-Control-Allow-Origin')).toBe(TEST_APP_URL);
  });

  it('has no CORS at all on the Stripe webhook path', async () => {
    const pre = await preflight('/api/webhooks/stripe', TEST_APP_URL);
    expect(pre.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(pre.headers.get('Access-Control-Allow-Credentials')).toBeNull();
    const post = await call('/api/webhooks/stripe', { method: 'POST', headers: { Origin: TEST_APP_URL } });
    expect(post.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });
});
