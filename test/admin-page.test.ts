// The admin dashboard's files: the page allows exactly its own script and stylesheet, and the script
// is src/admin-ui/browser/admin.ts compiled to JavaScript (the browser tests in e2e/ run it).
import { describe, expect, it } from 'vitest';
import { call, callWithBindings } from './support/http';
import { TEST_API_URL } from './support/settings';

describe('GET /admin', () => {
  it('serves the page with a policy that allows only scripts and styles from this origin', async () => {
    const response = await call('/admin');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(response.headers.get('Content-Security-Policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'",
    );
    const page = await response.text();
    // One script, by URL: no inline code for the policy to allow.
    expect(page.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/admin/admin.js">']);
    expect(page).toContain('<link rel="stylesheet" href="/admin/admin.css">');
  });

  it('sends a visit under another address of this Worker (127.0.0.1 for localhost) to API_URL, where its session works', async () => {
    const response = await callWithBindings({}, 'http://127.0.0.1:8787/admin');
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(`${TEST_API_URL}/admin`);
  });

  it('serves its script as JavaScript compiled from the TypeScript module', async () => {
    const response = await call('/admin/admin.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/javascript; charset=utf-8');
    const script = await response.text();
    expect(script).toContain('/api/auth/refresh');
    // Compiled, not the source: no type annotations or interfaces left, no module syntax to link.
    expect(script).not.toMatch(/\binterface\s+\w+\s*\{|:\s*(string|boolean|number)\b|\bimport\b|\bexport\b/);
  });

  it("has a table of API keys in a user's and an organization's detail, and a script that builds them without HTML", async () => {
    const page = await (await call('/admin')).text();
    for (const id of ['detail-keys', 'org-keys']) {
      expect(page).toContain(
        `<table id="${id}"><thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Status</th><th>Created</th>` +
          '<th>Last used</th><th>Expires</th><th>Actions</th></tr></thead><tbody></tbody></table>',
      );
    }
    const script = await (await call('/admin/admin.js')).text();
    expect(script).toContain('/api-keys');
    expect(script).toContain('/api/admin/api-keys/');
    // Every value goes in as text: nothing in the script parses HTML.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment/);
  });

  it('serves its stylesheet as CSS', async () => {
    const response = await call('/admin/admin.css');
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/css; charset=utf-8');
  });
});
