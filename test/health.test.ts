import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, callWithBindings, expectError } from './support/http';

afterEach(() => vi.restoreAllMocks());

describe('GET /api/health', () => {
  it('answers 200 {status:"ok"} once the database answers', async () => {
    const response = await call('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 DATABASE_UNAVAILABLE without leaking the driver error when D1 fails', async () => {
    const brokenDb = {
      prepare() {
        throw new Error('D1_ERROR: no such table: secret_internal_table');
      },
    };
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await callWithBindings({ DB: brokenDb }, '/api/health');
    const body = await expectError(response, 503, 'DATABASE_UNAVAILABLE');
    expect(JSON.stringify(body)).not.toContain('secret_internal_table');
  });
});
