// The HTTP conventions through the real Worker: error JSON, request ids, logs, headers, body rules.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, callWithBindings, errorBody, expectError } from './support/http';

afterEach(() => vi.restoreAllMocks());

const ONE_YEAR_SECONDS = 31_536_000;

function expectSecurityHeaders(response: Response) {
  const hsts = response.headers.get('Strict-Transport-Security') ?? '';
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(ONE_YEAR_SECONDS);
  expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(response.headers.get('X-Frame-Options')).toBe('DENY');
  expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
  expect(response.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
}

describe('errors', () => {
  it('answers 404 NOT_FOUND as JSON for unknown routes, inside and outside /api', async () => {
    for (const path of ['/api/nope', '/nope', '/api/health/extra']) {
      const response = await call(path);
      expect(response.status).toBe(404);
      expect(await errorBody(response)).toEqual({ error: 'Not found.', code: 'NOT_FOUND' });
    }
  });

  it('answers 404 for a method the route does not have', async () => {
    const response = await call('/api/health', { method: 'DELETE' });
    await expectError(response, 404, 'NOT_FOUND');
  });
});

describe('request ids and logs', () => {
  it('puts a fresh X-Request-Id on every response, the same one as in the JSON log line', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const ok = await call('/api/health');
    const missing = await call('/api/missing');
    const ids = [ok.headers.get('X-Request-Id'), missing.headers.get('X-Request-Id')];
    expect(ids[0]).toMatch(/^[\w-]{16,}$/);
    expect(ids[1]).toMatch(/^[\w-]{16,}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const lines = log.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', request_id: ids[0], method: 'GET', path: '/api/health', status: 200 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', request_id: ids[1], status: 404, level: 'warn' }),
    );
  });

  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const kept = await call('/api/health', { headers: { 'X-Request-Id': 'edge-abc-123' } });
    expect(kept.headers.get('X-Request-Id')).toBe('edge-abc-123');
    const replaced = await call('/api/health', { headers: { 'X-Request-Id': 'bad id "level":"forged"' } });
    expect(replaced.headers.get('X-Request-Id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('logs the path without the query string, which may carry codes or tokens', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await call('/api/health?code=secret-oauth-code');
    expect(log.mock.calls.flat().join('\n')).not.toContain('secret-oauth-code');
  });

  it('carries the id on configuration errors too', async () => {
    const response = await callWithBindings({ APP_URL: undefined }, '/api/health');
    expect(response.headers.get('X-Request-Id')).toBeTruthy();
  });
});

describe('headers on every response', () => {
  it('sets security headers on success, error and misconfiguration', async () => {
    expectSecurityHeaders(await call('/api/health'));
    expectSecurityHeaders(await call('/api/missing'));
    expectSecurityHeaders(
      await call('/api/health', { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } }),
    );
    expectSecurityHeaders(await callWithBindings({ APP_URL: undefined }, '/api/health'));
  });

  it('forbids caching of API answers', async () => {
    expect((await call('/api/health')).headers.get('Cache-Control')).toBe('no-store');
    expect((await call('/api/missing')).headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('request bodies', () => {
  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
      const response = await call('/api/health', {
        method: 'POST',
        body: '{"a":1}',
        headers: { 'Content-Type': contentType },
      });
      await expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('answers 415 for a body without a content type', async () => {
    const response = await call('/api/health', { method: 'POST', body: new Blob(['{"a":1}']) });
    expect(response.status).toBe(415);
  });

  it('answers 400 INVALID_JSON for malformed JSON', async () => {
    for (const body of ['{', '{"a":}', "{'a':1}", 'undefined']) {
      const response = await call('/api/health', {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(await errorBody(response)).toEqual({ error: 'The request body is not valid JSON.', code: 'INVALID_JSON' });
    }
  });

  it('accepts a charset parameter on application/json', async () => {
    const response = await call('/api/health', {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    // The body passes the rules; there is no POST /api/health, so routing answers 404.
    expect(response.status).toBe(404);
  });

  it('answers 413 PAYLOAD_TOO_LARGE above 16 KiB, with or without Content-Length', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(17 * 1024) });
    const withLength = await call('/api/health', {
      method: 'POST',
      body: big,
      headers: { 'Content-Type': 'application/json' },
    });
    await expectError(withLength, 413, 'PAYLOAD_TOO_LARGE');

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
        controller.close();
      },
    });
    const streamed = await call('/api/health', {
      method: 'POST',
      body: chunks,
      headers: { 'Content-Type': 'application/json' },
      // @ts-expect-error: `duplex` is required for streamed bodies but missing from the types.
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
  });

  it('checks a stray body on routes that take none, as their OpenAPI description says', async () => {
    // call() fails the test when an answer's code is not in its route's documented list.
    const cases: [string, string][] = [
      ['POST', '/api/auth/refresh'],
      ['POST', '/api/auth/logout-all'],
      ['DELETE', '/api/auth/sessions/abc'],
      ['POST', '/api/billing/portal'],
    ];
    for (const [method, path] of cases) {
      const notJson = await call(path, { method, headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
      await expectError(notJson, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const broken = await call(path, { method, headers: { 'Content-Type': 'application/json' }, body: '{' });
      await expectError(broken, 400, 'INVALID_JSON');
    }
  });

  it('lets an empty body through to routing', async () => {
    const response = await call('/api/health', { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(404);
  });
});
