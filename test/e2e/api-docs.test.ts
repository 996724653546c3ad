// /api/docs in real Chromium, from the built Worker with the asset server in front (as deployed):
// Swagger UI loads under `script-src 'self'` without a single CSP violation, authorizes with an access
// token, sends GET /api/me with it, and an injected inline script does not run. Also: the static files'
// headers (src/docs-ui/_headers), that they shadow no API route, and that the Worker upload leaves
// them out. Screenshots: test-results/screenshots/api-docs*.png.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DOCS_ASSETS_DIR, DOCS_ASSETS_PATH } from '../../scripts/lib/docs-assets.mjs';
import { startStack } from './harness';
import { signInOverHttp } from './accounts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The asset server's URL paths: every file of the directory but its `_headers`. */
const assetPaths = () =>
  filesUnder(DOCS_ASSETS_DIR)
    .filter((file) => file !== '_headers')
    .map((file) => `/${file}`);

describe('the static files of /api/docs', () => {
  it('are only Swagger UI, its icon, its initializer and licences, under /api/docs/ui/, and match no API route', async () => {
    const paths = assetPaths();
    expect(paths.sort()).toEqual(
      [
        'LICENSE.txt',
        'NOTICE.txt',
        'favicon-32x32.png',
        'index.css',
        'init.js',
        'swagger-ui-bundle.js',
        'swagger-ui-bundle.js.LICENSE.txt',
        'swagger-ui.css',
      ].map((name) => `${DOCS_ASSETS_PATH}/${name}`),
    );
    const document = (await (await fetch(`${stack.api}/api/openapi.json`)).json()) as { paths: object };
    const routes = Object.keys(document.paths).map(
      (path) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\\{[^}]+\\\}/g, '[^/]+')}$`),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const path of paths)
      expect(
        routes.filter((route) => route.test(path)),
        path,
      ).toEqual([]);
    // The prefix belongs to no route: what is not a file there is the Worker's 404.
    const missing = await fetch(`${stack.api}${DOCS_ASSETS_PATH}/missing.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it.each([
    ['swagger-ui-bundle.js', /^(text|application)\/javascript/],
    ['init.js', /^(text|application)\/javascript/],
    ['swagger-ui.css', /^text\/css/],
    ['LICENSE.txt', /^text\/plain/],
  ])('serves %s with the headers of src/docs-ui/_headers', async (file, contentType) => {
    const response = await fetch(`${stack.api}${DOCS_ASSETS_PATH}/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(contentType);
    const expected = {
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-resource-policy': 'same-site',
      'cache-control': 'public, max-age=300',
    };
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, response.headers.get(name)]))).toEqual(
      expected,
    );
    await response.arrayBuffer();
    // The headers file itself is not served.
    const headersFile = await fetch(`${stack.api}/_headers`);
    expect(headersFile.status).toBe(404);
    await headersFile.arrayBuffer();
  });

  it('are not part of the Worker upload (index.js and chunks only)', () => {
    const uploaded = filesUnder(inject('bundleDir'));
    expect(uploaded.filter((file) => /swagger|init\.js|\.css$/i.test(file))).toEqual([]);
    expect(
      uploaded.filter((file) => file.endsWith('.js') && file !== 'index.js' && !file.startsWith('chunks/')),
    ).toEqual([]);
  });
});

/**
 * CSP violations, as the page's own `securitypolicyviolation` events; and any console error (Chromium
 * logs each refusal there too), uncaught page error or failed response.
 */
async function watchPolicy(page: Page) {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} for ${response.url()}`);
  });
  // Init scripts come through the DevTools protocol, which the page's policy does not govern. (Code
  // run in the page is a string here: this file is type-checked without the DOM's types.)
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(event.effectiveDirective + ' refused ' + (event.blockedURI || '(inline)') + ' at ' + event.sourceFile);
    });`);
  return { problems, violations: () => page.evaluate('window.cspViolations') as Promise<string[]> };
}

describe('/api/docs in Chromium', () => {
  it('authorizes with an access token and sends GET /api/me from "Try it out", with no CSP violation', async () => {
    const email = `docs-${Date.now()}@example.com`;
    const { access_token: token } = await signInOverHttp(stack.api, email, { register: true });

    const context = await stack.browser.newContext({ viewport: { width: 1280, height: 1300 } });
    const page = await context.newPage();
    const policy = await watchPolicy(page);
    const response = await page.goto(`${stack.api}/api/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(DOCS_CSP);

    // Swagger UI rendered the document (title, operations) from the same origin.
    await expect.poll(() => page.locator('.swagger-ui .info .title').textContent()).toContain('Liftoff API');
    const me = page.locator('.opblock[id$="-getMe"]');
    await expect.poll(() => me.count()).toBe(1);

    // Authorize: the Bearer scheme's form in the dialog (the ApiKey scheme has the other one).
    await page.click('.scheme-container button.authorize');
    const dialog = page.locator('.dialog-ux .modal-ux');
    const bearerForm = dialog.locator('form').filter({ hasText: 'Bearer (http, Bearer)' });
    await bearerForm.locator('input[aria-label="auth-bearer-value"]').fill(token);
    await bearerForm.locator('.auth-btn-wrapper button.authorize').click();
    await expect.poll(() => bearerForm.locator('.auth-btn-wrapper button').first().textContent()).toBe('Logout');
    await dialog.locator('button.btn-done').first().click();
    await expect.poll(() => page.locator('.dialog-ux').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}api-docs-authorized.png` });

    // GET /api/me: expand, "Try it out", "Execute"; the request carries the token.
    const sent = page.waitForRequest((request) => new URL(request.url()).pathname === '/api/me');
    await me.locator('.opblock-summary-control').click();
    await me.locator('button.try-out__btn').click();
    await me.locator('button.execute').click();
    expect((await sent).headers()['authorization']).toBe(`Bearer ${token}`);
    const live = me.locator('.live-responses-table');
    await expect.poll(() => live.locator('tr.response .response-col_status').textContent()).toBe('200');
    await expect.poll(() => live.locator('tr.response .response-col_description').textContent()).toContain(email);
    await me.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}api-docs.png` });

    expect(await policy.violations()).toEqual([]);
    expect(policy.problems).toEqual([]);
    // The token was kept in memory only (persistAuthorization off).
    expect(await page.evaluate('JSON.stringify(localStorage)')).not.toContain(token);

    // An inline script, as an injection would add one: refused, and reported as a violation.
    const ran = await page.evaluate(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineScriptRan = true';
      document.body.append(script);
      return window.inlineScriptRan === true;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => policy.violations()).toEqual([expect.stringMatching(/^script-src-elem refused inline/)]);
    await context.close();
  });
});
