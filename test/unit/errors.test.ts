// The one error path: AppError, validation failures and unexpected throws become contract JSON.
import { createRoute, z } from '@hono/zod-openapi';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError, errorResponse } from '../../src/errors';
import { requestLog } from '../../src/middleware/request-log';
import { wrapNonErrors } from '../../src/middleware/wrap-non-errors';
import { createRouter } from '../../src/router';

afterEach(() => vi.restoreAllMocks());

const echoRoute = createRoute({
  method: 'post',
  path: '/echo',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ email: z.email(), age: z.number().int() }) } },
    },
  },
  responses: { 200: { description: 'ok' } },
});

function appThatThrows(error: unknown) {
  const app = createRouter();
  app.use(requestLog());
  app.use(wrapNonErrors());
  app.get('/boom', () => {
    throw error;
  });
  app.openapi(echoRoute, (c) => c.json(c.req.valid('json'), 200));
  app.onError((err, c) => errorResponse(c, err));
  return app;
}

describe('errorResponse', () => {
  it('renders an AppError with its status, code and headers', async () => {
    const app = appThatThrows(new AppError('RATE_LIMITED', 'Slow down.', { headers: { 'Retry-After': '30' } }));
    const response = await app.request('/boom');
    expect(response.status).toBe(429);
    expect(response.headers.get('Retry-After')).toBe('30');
    expect(await response.json()).toEqual({ error: 'Slow down.', code: 'RATE_LIMITED' });
  });

  it('hides an unexpected error behind 500 INTERNAL_ERROR and logs it server-side only', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    const app = appThatThrows(new Error('D1_ERROR: SELECT password_hash FROM users; key=sk_live_secret'));
    const response = await app.request('/boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'Something went wrong on our side.', code: 'INTERNAL_ERROR' });
    expect(text).not.toMatch(/SELECT|sk_live|stack|at /);
    const logged = JSON.parse(String(log.mock.calls[0]?.[0]));
    expect(logged.level).toBe('error');
    expect(logged.error.message).toContain('D1_ERROR');
  });

  it('treats thrown non-errors as internal errors too', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await appThatThrows('a string').request('/boom');
    expect(response.status).toBe(500);
  });

  it('answers 400 VALIDATION_ERROR with one issue per bad field', async () => {
    const app = appThatThrows(null);
    const response = await app.request('/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'nope', age: 'ten' }),
    });
    expect(response.status).toBe(400);
    const body = await response.json<{ code: string; issues: { path: string; message: string }[] }>();
    expect(body.code).toBe('VALIDATION_ERROR');
    expect(body.issues.map((issue) => issue.path).sort()).toEqual(['age', 'email']);
    for (const issue of body.issues) expect(typeof issue.message).toBe('string');
  });

  it('answers VALIDATION_ERROR for a missing body and for a JSON value that is not an object', async () => {
    const app = appThatThrows(null);
    for (const body of [undefined, '[]', '"text"', 'null']) {
      const response = await app.request('/echo', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect(response.status).toBe(400);
      expect((await response.json<{ code: string }>()).code).toBe(
        body === undefined ? 'INVALID_JSON' : 'VALIDATION_ERROR',
      );
    }
  });
});
