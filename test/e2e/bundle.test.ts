// The built Worker's size budget (issue 8) and its lazily loaded modules. Sizes are deterministic for
// pinned dependencies, so a regression (an import that pulls Stripe into start-up) fails CI; timings stay in `npm run bench`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { init, parse } from 'es-module-lexer';
import { transform } from 'esbuild';
import { describe, expect, inject, it } from 'vitest';
import { compileBrowserScript } from '../../scripts/lib/browser-script.mjs';
import { readBundle } from '../../scripts/lib/bundle-modules';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { generateSigningKeySet } from '../../scripts/lib/signing-keys.mjs';

const START_UP_GZIP_BUDGET = 150 * 1024;

describe('the production bundle', () => {
  it('evaluates at most 150 KiB gzip at start-up, without Stripe, the common-password list, the admin script, the admin API or WebAuthn', async () => {
    const bundle = await readBundle(inject('bundleDir'));
    expect(bundle.startUp.gzipBytes).toBeLessThanOrEqual(START_UP_GZIP_BUDGET);

    expect(bundle.stripeModules.length).toBeGreaterThan(0);
    for (const module of bundle.stripeModules) expect(module.evaluatedAtStartUp).toBe(false);
    const passwordList = bundle.modules.filter((m) => m.path.includes('common-passwords'));
    expect(passwordList).toHaveLength(1);
    expect(passwordList[0]!.evaluatedAtStartUp).toBe(false);
    // esbuild names the chunks after src/admin-ui/browser/admin.ts and src/admin/feature.ts (the API and the page).
    const adminChunks = bundle.modules.filter((m) => /(^|\/)(admin|feature)-[^/]*\.js$/.test(m.path));
    expect(adminChunks.length).toBeGreaterThanOrEqual(3); // the script, the admin area, the organizations
    for (const chunk of adminChunks) expect(chunk.evaluatedAtStartUp).toBe(false);
    // The WebAuthn library (@simplewebauthn/server and its ASN.1 code), in the chunk named after src/mfa/passkeys.ts.
    const passkeyChunks = bundle.modules.filter((m) => /(^|\/)passkeys-[^/]*\.js$/.test(m.path));
    expect(passkeyChunks).toHaveLength(1);
    expect(passkeyChunks[0]!.evaluatedAtStartUp).toBe(false);
  });

  it("leaves zod's translations of its messages out", async () => {
    const bundleDir = inject('bundleDir');
    const bundle = await readBundle(bundleDir);
    const code = bundle.modules.map((m) => readFileSync(join(bundleDir, m.path), 'utf8')).join('\n');
    // A phrase from zod's German messages (zod/v4/locales/de.js); the English ones stay.
    expect(code).not.toContain('Ungültige Eingabe');
    expect(code).toContain('Invalid input');
  });

  it('loads its lazy modules in workerd when a request needs them', async () => {
    const { mf, url } = await startLocalWorker(inject('bundleDir'), {
      APP_ENV: 'test',
      APP_URL: 'http://app.localhost',
      API_URL: 'http://api.localhost',
      JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
      EMAIL_PROVIDER: 'log',
      STRIPE_SECRET_KEY: 'sk_test_bundle',
      STRIPE_WEBHOOK_SECRET: 'whsec_bundle',
      STRIPE_PRICE_IDS: 'price_basic',
    });
    try {
      // The common-password list: "password" is refused by it (it has the right length).
      const register = await fetch(new URL('/api/auth/register', url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'lazy@example.com', password: 'password' }),
      });
      expect(register.status).toBe(400);
      const body = (await register.json()) as { code: string; issues: { path: string; message: string }[] };
      expect(body.code).toBe('VALIDATION_ERROR');
      expect(body.issues).toEqual([{ path: 'password', message: 'is too common; choose another password' }]);

      // The Stripe SDK: only its signature check can call this signature invalid.
      const webhook = await fetch(new URL('/api/webhooks/stripe', url), {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
        },
        body: '{"id":"evt_1","object":"event"}',
      });
      expect(webhook.status).toBe(400);
      expect(((await webhook.json()) as { code: string }).code).toBe('SIGNATURE_INVALID');

      // The WebAuthn library: passwordless sign-in options come from it.
      const options = await fetch(new URL('/api/auth/passkeys/options', url), { method: 'POST' });
      expect(options.status).toBe(200);
      const request = (await options.json()) as { challenge: string; rpId: string; userVerification: string };
      expect(request).toMatchObject({ rpId: 'app.localhost', userVerification: 'required' });
      expect(request.challenge).toMatch(/^[\w-]{43}$/);

      // The admin page's script: the TypeScript module compiled exactly as the test runner compiles it
      // (scripts/lib/browser-script.mjs), plain JavaScript with nothing left to link.
      const script = await fetch(new URL('/admin/admin.js', url));
      expect(script.status).toBe(200);
      const code = await script.text();
      expect(code).toBe((await compileBrowserScript('src/admin-ui/browser/admin.ts')).code);
      await expect(transform(code, { loader: 'js', format: 'esm' })).resolves.toBeDefined();
      await init;
      expect(parse(code).slice(0, 2)).toEqual([[], []]);
    } finally {
      await mf.dispose();
    }
  });
});
