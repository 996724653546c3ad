// The OpenAPI document is generated from the routes, and the docs page renders it without scripts.
import { describe, expect, it } from 'vitest';
import { call } from './support/http';

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing the mounted routes under /api', async () => {
    const response = await call('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = await response.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/openapi.json', '/api/docs']),
    );
    expect(document.paths['/api/health']).toHaveProperty('get');
  });
});

describe('GET /api/docs', () => {
  it('renders every documented route as HTML with a script-free policy', async () => {
    const response = await call('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('script-src');
    const page = await response.text();
    expect(page).toContain('<code>/api/health</code>');
    expect(page).toContain('href="/api/openapi.json"');
  });
});
