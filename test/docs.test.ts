// The OpenAPI document is generated from the routes; /api/docs is Swagger UI on it: the Worker's HTML
// shell here, its static files (served by the asset server, which this project's requests do not go
// through) and the page in Chromium in test/e2e/api-docs.test.ts.
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
  it('is an HTML shell that loads Swagger UI from this origin, under a policy without inline code', async () => {
    const response = await call('/api/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Content-Security-Policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(response.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    const page = await response.text();
    // Every script is a file (no inline code), and every file is one of the static assets.
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map(([, attributes]) => /src="([^"]+)"/.exec(attributes!)?.[1])).toEqual([
      '/api/docs/ui/swagger-ui-bundle.js',
      '/api/docs/ui/init.js',
    ]);
    for (const [, , body] of scripts) expect(body).toBe('');
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(page).toContain('data-openapi-url="/api/openapi.json"');
  });
});
