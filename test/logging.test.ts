// Logging in one place: every line is JSON from lib/log.ts and carries its request's id.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../src/lib/log';
import { call, callWithBindings } from './support/http';
import { TEST_API_URL, TEST_APP_URL } from './support/settings';

afterEach(() => vi.restoreAllMocks());

const linesOf = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map(([line]) => JSON.parse(String(line)));

describe('createLogger', () => {
  it('writes one JSON line, level and msg first, then the context and the fields', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    createLogger({ request_id: 'r-1' }).warn('something odd', { provider: 'oidc' });
    expect(out).toHaveBeenCalledTimes(1);
    expect(String(out.mock.calls[0]?.[0])).toBe(
      '{"level":"warn","msg":"something odd","request_id":"r-1","provider":"oidc"}',
    );
  });

  it('keeps level, msg and the context when a field has the same name', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    createLogger({ request_id: 'r-1' }).info('real', { level: 'error', msg: 'forged', request_id: 'other', x: 1 });
    expect(String(out.mock.calls[0]?.[0])).toBe('{"level":"info","msg":"real","request_id":"r-1","x":1}');
  });

  it('sends errors to console.error and everything else to console.log', () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = createLogger({ job: 'scheduled' });
    log.info('a');
    log.error('b', { error: 'boom' });
    expect(linesOf(out)).toEqual([{ level: 'info', msg: 'a', job: 'scheduled' }]);
    expect(linesOf(err)).toEqual([{ level: 'error', msg: 'b', job: 'scheduled', error: 'boom' }]);
  });
});

describe("a request's lines", () => {
  it('all carry the X-Request-Id, from the route as from the request log', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const brokenDb = {
      prepare() {
        throw new Error('D1_ERROR: down');
      },
    };
    const response = await callWithBindings({ DB: brokenDb }, '/api/health', {
      headers: { 'X-Request-Id': 'trace-42' },
    });
    expect(response.status).toBe(503);
    const lines = linesOf(err);
    expect(lines.map((line) => [line.msg, line.request_id])).toEqual([
      ['database ping failed', 'trace-42'],
      ['request', 'trace-42'],
    ]);
  });

  it('warn about an Origin that CORS_ORIGINS does not list (the browser tells only its console)', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const preflight = (origin: string) =>
      call('/api/auth/login', {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' },
      });
    await preflight('http://127.0.0.1:3000');
    await preflight(TEST_APP_URL);
    await preflight(TEST_API_URL);
    const requests = linesOf(out).filter((line) => line.msg === 'request');
    expect(requests).toHaveLength(3);
    expect(requests[0]).toMatchObject({
      level: 'warn',
      cors: 'origin refused (not in CORS_ORIGINS)',
      origin: 'http://127.0.0.1:3000',
    });
    // Listed origins, and the API's own (its pages' requests), are not refusals.
    for (const line of requests.slice(1)) {
      expect(line.level).toBe('info');
      expect(line).not.toHaveProperty('cors');
    }
  });

  it("name the error answer's code, however it was thrown, and keep a stack only for the unexpected", async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    // An empty JSON body is refused by Hono's validator (an HTTPException), an unknown path by notFound.
    await call('/api/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    await call('/api/no-such-route');
    const requestLines = linesOf(out).filter((line) => line.msg === 'request');
    expect(requestLines.map((line) => [line.status, line.code, 'error' in line])).toEqual([
      [400, 'INVALID_JSON', false],
      [404, 'NOT_FOUND', false],
    ]);
  });
});
