// The Next.js starter (examples/nextjs) in real Chromium: `next build` (its type check included),
// then `next start` against the built Worker with the Stripe fake. One user's whole path: sign up,
// the verification link from the dev mailbox, sign in, a reload, a 402 before paying, a checkout,
// the paid page, the sessions list, sign out; the reset-password link; `?next=` kept on the site;
// the security headers; the app's own route handler verifying Liftoff's access tokens through
// the JWKS; organizations between two users in two browser contexts (create, invite, the
// emailed invitation link, accept, the switcher, members and roles); and two-step verification (an
// authenticator app set up from the account pages, whose codes the test computes; the sign-in's
// second step after a password and after an OAuth-style redirect; step-up; recovery codes); and
// passkeys in Chromium's virtual authenticator (added from the security page, a passwordless
// sign-in, the second step after a password, a copied credential whose counter fell behind refused,
// a step-up with a passkey, going passwordless, never removing the last way to sign in); and API
// keys (one made after the step-up a stale sign-in needs, shown once and copied, used from the
// test with fetch, revoked and then refused; one with a last day; an organization's, on its page).
// Screenshots: test-results/screenshots/nextjs-*.png.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { importJWK, SignJWT } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalWorker } from '../../scripts/lib/local-worker';
import { generateMfaEncryptionKey } from '../../scripts/lib/mfa-keys.mjs';
import { generateSigningKeySet, type PrivateSigningJwk } from '../../scripts/lib/signing-keys.mjs';
import { startStripeFake, type StripeRequest } from '../support/fakes/stripe-fake';
import { freePort, launchChromium } from './harness';
import { E2E_PASSWORD as PASSWORD, signInOverHttp } from './accounts';

const root = new URL('../..', import.meta.url).pathname;
const exampleDir = `${root}examples/nextjs`;
const SHOTS = `${root}test-results/screenshots/`;
const STRIPE_KEY = 'sk_test_nextjs';
const WEBHOOK_SECRET = 'whsec_nextjs';
// `next build` on a busy two-core machine takes about a minute; more when the other e2e files run beside it.
const BUILD_TIMEOUT_MS = 300_000;

let api: string;
let front: string;
let signingKey: PrivateSigningJwk;
let worker: Awaited<ReturnType<typeof startLocalWorker>>;
let stripe: { url: string; server: Server };
let next: ChildProcess | undefined;
let browser: Browser;

/** Runs a command to its end; its output is kept for the error message. */
function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

async function waitForServer(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const [apiPort, frontPort] = [await freePort(), await freePort()];
  api = `http://localhost:${apiPort}`;
  front = `http://localhost:${frontPort}`;
  stripe = await startStripeFake();
  const keySet = await generateSigningKeySet('ES256');
  signingKey = keySet.keys[0]!;
  worker = await startLocalWorker(
    inject('bundleDir'),
    {
      // `development`, not `test`: the dev mailbox (GET /api/dev/emails) answers only there, and only
      // on loopback (API_URL and the request's host are localhost here). It is the test's way to the
      // emailed links, as it is a developer's with `npm run dev`; emails stay in the outbox (`log`).
      APP_ENV: 'development',
      APP_URL: front,
      API_URL: api,
      CORS_ORIGINS: front,
      JWT_SIGNING_KEYS: JSON.stringify(keySet),
      MFA_ENCRYPTION_KEYS: generateMfaEncryptionKey(),
      EMAIL_PROVIDER: 'log',
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_PRICE_IDS: 'price_basic,price_pro',
      STRIPE_API_URL: stripe.url,
    },
    { port: apiPort },
  );

  // The starter's own build script (it builds @liftoff/client first), into examples/nextjs/.next.
  const started = performance.now();
  await run('npm', ['run', 'build', '-w', 'examples/nextjs'], root);
  console.log(`next build (with the client's build) took ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // One build serves any API: the URL is read at request time. Its own process group, so that
  // afterAll ends it and whatever it started.
  next = await startNext(frontPort, api);
  browser = await launchChromium();
}, BUILD_TIMEOUT_MS);

/** `next start` of the build on `port`, for the API at `apiUrl`, in its own process group (see stopNext). */
async function startNext(port: number, apiUrl: string): Promise<ChildProcess> {
  const nextBin = createRequire(`${exampleDir}/package.json`).resolve('next/dist/bin/next');
  const child = spawn(process.execPath, [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'], {
    cwd: exampleDir,
    env: { ...process.env, LIFTOFF_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
    detached: true,
    stdio: 'ignore',
  });
  await waitForServer(`http://localhost:${port}/billing/cancel`, 60_000);
  return child;
}

async function stopNext(child: ChildProcess | undefined) {
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

afterAll(async () => {
  await browser?.close();
  await stopNext(next);
  await worker?.mf.dispose();
  await new Promise((resolve) => stripe?.server.close(resolve));
});

/** The newest link of the newest email to `to` from the dev mailbox that starts with `prefix`. */
async function emailedLink(to: string, prefix: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(async () => {
      const response = await fetch(`${api}/api/dev/emails`);
      const { emails } = (await response.json()) as { emails: { to: string; links: string[] }[] };
      link = emails
        .filter((email) => email.to === to)
        .flatMap((email) => email.links.filter((l) => l.startsWith(prefix)))[0];
      return link;
    })
    .toBeTruthy();
  return link!;
}

/**
 * Page errors, console errors and Chrome's DOM advice (`[DOM] Password forms should have
 * (optionally hidden) username fields`...). The browser's own "Failed to load resource" line is
 * let through only for the API's error answers (the 401 of a signed-out page load, the 402): one
 * for the starter's own origin (a missing favicon, a 404 chunk) is a problem.
 */
function watchForErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    if (text.startsWith('[DOM]')) problems.push(text);
    if (message.type() !== 'error') return;
    if (text.startsWith('Failed to load resource') && message.location().url.startsWith(`${api}/`)) return;
    problems.push(`${text} (${message.location().url})`);
  });
  return problems;
}

/** Fills and sends the sign-up form of the page (/signup, with or without ?next=). */
async function signUp(page: Page, email: string, name: string) {
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Opens the verification link emailed to `email` in the signed-in `page`. */
async function verifyEmail(page: Page, email: string) {
  await page.goto(await emailedLink(email, `${front}/verify-email?token=`));
  await expect
    .poll(() => page.getByRole('main').getByRole('status').textContent())
    .toContain('Your email address is verified');
}

/** The organization the nav's switcher shows as active ("Personal" for none). */
const switcherShows = (page: Page) =>
  page.getByLabel('Organization', { exact: true }).locator('option:checked').textContent();

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** RFC 4648 base32 (the secret the starter shows beside the QR code), spaces ignored. */
function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/[\s=]/g, '').toUpperCase()) {
    const value = alphabet.indexOf(char);
    if (value < 0) throw new Error(`not base32: ${char}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const bytes = bits.match(/.{8}/g) ?? [];
  return Buffer.from(bytes.map((byte) => parseInt(byte, 2)));
}

const TOTP_STEP_MS = 30_000;

/** RFC 6238's code for one 30-second step: HOTP (RFC 4226) with HMAC-SHA-1, 6 digits. */
function totpCode(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

/**
 * The test's authenticator app. The API accepts each step's code once (and the next step's early,
 * for clock drift), so each code is for a later step than the last one used: the current step, or
 * the next one, waiting for the clock when even that is used.
 */
function authenticatorApp(secret: string) {
  const key = base32Decode(secret);
  let lastStep = 0;
  return {
    async nextCode(): Promise<string> {
      let current = Math.floor(Date.now() / TOTP_STEP_MS);
      if (lastStep > current) {
        // Until a second into step `lastStep`: the one after it is then the next step, accepted early.
        await new Promise((resolve) => setTimeout(resolve, lastStep * TOTP_STEP_MS + 1000 - Date.now()));
        current = Math.floor(Date.now() / TOTP_STEP_MS);
      }
      lastStep = Math.max(current, lastStep + 1);
      return totpCode(key, lastStep);
    },
  };
}

/**
 * A virtual authenticator in `page` (Chromium's WebAuthn domain, over CDP): a platform authenticator
 * that keeps discoverable credentials, verifies the user (as a PIN or a fingerprint would) and
 * answers at once. `credentials()` exports what it holds, private keys and signature counters
 * included; `add()` puts a credential in (a copy of another authenticator's); `userVerified(false)`
 * makes the user check fail.
 */
async function virtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return {
    credentials,
    add: (credential: Awaited<ReturnType<typeof credentials>>[number]) =>
      cdp.send('WebAuthn.addCredential', { authenticatorId, credential }),
    /** Whether the PIN or fingerprint check succeeds (false: as if the user gave up). */
    userVerified: (isUserVerified: boolean) =>
      cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
  };
}

/** The claims of an access token (read, not verified: the API just issued it). */
function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

/** Clicks "Sign in with a passkey" on /login and answers the API's response to the signed assertion. */
async function signInWithPasskey(page: Page) {
  const answer = page.waitForResponse((response) => response.url() === `${api}/api/auth/passkeys/verify`);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  return answer;
}

/**
 * Stripe's hosted checkout page is out of reach here (no internet), so the test plays Stripe: when
 * the browser goes to the checkout URL, it delivers the signed webhooks a completed checkout causes
 * (checkout.session.completed, customer.subscription.created) to the Worker, then sends the browser
 * to the success URL the API gave Stripe, as Stripe does after a payment.
 */
async function payAtStripe(context: BrowserContext) {
  const signer = new Stripe('sk_test_signer');
  await context.route('https://checkout.stripe.com/**', async (route) => {
    const sessionId = new URL(route.request().url()).pathname.split('/').pop()!;
    const requests = (await (await fetch(`${stripe.url}/__fake/requests?key=${STRIPE_KEY}`)).json()) as StripeRequest[];
    const params = requests.filter((r) => r.path === '/v1/checkout/sessions').at(-1)!.params;
    const userId = params.client_reference_id!;
    const subscriptionId = `sub_${Date.now()}`;
    const now = Math.floor(Date.now() / 1000);
    const event = (type: string, object: Record<string, unknown>) => ({
      id: `evt_${type.replace(/\W/g, '_')}_${Date.now()}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: now,
      livemode: false,
      type,
      data: { object },
    });
    const events = [
      event('checkout.session.completed', {
        id: sessionId,
        object: 'checkout.session',
        mode: 'subscription',
        status: 'complete',
        customer: params.customer,
        client_reference_id: userId,
        subscription: subscriptionId,
        metadata: { user_id: userId },
      }),
      event('customer.subscription.created', {
        id: subscriptionId,
        object: 'subscription',
        customer: params.customer,
        status: 'active',
        cancel_at_period_end: false,
        metadata: { user_id: userId },
        items: {
          object: 'list',
          data: [
            {
              id: `si_${Date.now()}`,
              object: 'subscription_item',
              current_period_start: now,
              current_period_end: now + 30 * 86_400,
              price: { id: params['line_items[0][price]'], object: 'price' },
              quantity: 1,
            },
          ],
        },
      }),
    ];
    for (const body of events) {
      const payload = JSON.stringify(body);
      const response = await fetch(`${api}/api/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Stripe-Signature': signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
        },
        body: payload,
      });
      expect(response.status).toBe(200);
    }
    const successUrl = params.success_url!.replace('{CHECKOUT_SESSION_ID}', sessionId);
    await route.fulfill({ status: 303, headers: { Location: successUrl } });
  });
}

describe('the Next.js starter', () => {
  it('signs up, verifies the email, signs in, survives a reload, pays, opens the paid page, lists its session and signs out', async () => {
    const context = await browser.newContext();
    // A step that cannot happen fails in seconds, naming the element it waited for.
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const email = `next-${Date.now()}@example.com`;

    const signupPage = await page.goto(`${front}/signup`);
    // No other site may frame the starter; other sites see only its origin as the Referer.
    expect(signupPage!.headers()).toMatchObject({
      'x-frame-options': 'DENY',
      'content-security-policy': "frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
    });
    // A favicon of its own (app/icon.svg), not a 404 in every page's console. Checked here as well as
    // by watchForErrors: Chromium asks an origin for its favicon once per browser, so only the first
    // page of the first test would log the 404.
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    const iconResponse = await fetch(new URL(icon!, front));
    expect(iconResponse.status).toBe(200);
    expect(iconResponse.headers.get('Content-Type')).toContain('image/svg+xml');
    // And at /favicon.ico, which browsers still ask for now and then (Chromium too, once in a while).
    const favicon = await fetch(`${front}/favicon.ico`);
    expect(favicon.status).toBe(200);
    expect(favicon.headers.get('Content-Type')).toContain('image/svg+xml');
    await page.getByLabel('Name (optional)').fill('Ada');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${front}/account?welcome=1`);
    await expect.poll(() => page.getByTestId('email').textContent()).toBe(`${email} not verified`);

    // The link the API emailed lands on the starter's /verify-email, which posts the token with this
    // session's access token (so the sign-up password stays), and keeps the token out of Referers.
    const link = await emailedLink(email, `${front}/verify-email?token=`);
    const verifyPage = await page.goto(link);
    expect(verifyPage!.headers()['referrer-policy']).toBe('no-referrer');
    expect(verifyPage!.headers()['x-frame-options']).toBe('DENY');
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toContain('Your email address is verified');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => page.getByRole('navigation').getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await page.goto(`${front}/login`);
    await signIn(page, email, 'not-the-password');
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toBe('That email and password do not match.');
    await page.screenshot({ path: `${SHOTS}nextjs-login-error.png`, fullPage: true });
    // The password chosen at sign-up survived the verification.
    await signIn(page, email, PASSWORD);
    await page.waitForURL(`${front}/account`);
    await expect.poll(() => page.getByTestId('email').textContent()).toBe(`${email} verified`);

    // A reload forgets the access token; the API's refresh cookie brings the session back.
    await page.reload();
    await expect.poll(() => page.getByTestId('who').textContent()).toBe(email);

    // Before paying: the paid page shows the API's 402 as a paywall.
    await page.goto(`${front}/paid`);
    await expect.poll(() => page.getByTestId('paywall').textContent()).toContain('402 SUBSCRIPTION_REQUIRED');
    expect(await page.getByTestId('paid-content').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}nextjs-paywall.png`, fullPage: true });

    await payAtStripe(context);
    await page.getByRole('link', { name: 'See plans' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Subscribe to Pro' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}nextjs-billing-plans.png`, fullPage: true });
    await page.getByRole('button', { name: 'Subscribe to Basic' }).click();
    await page.waitForURL(/\/billing\/success\?session_id=cs_test_/);
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toContain('You are subscribed to Basic');
    await page.getByRole('link', { name: 'Open the paid feature' }).click();
    await expect
      .poll(() => page.getByTestId('paid-content').textContent())
      .toContain('Welcome, subscriber: this is where a paid feature goes.');
    await page.screenshot({ path: `${SHOTS}nextjs-paid.png`, fullPage: true });

    // This browser's session, marked as the current one, is the only live one (sign-out ended the first).
    await page.goto(`${front}/account`);
    const sessions = page.getByTestId('sessions').locator('li');
    await expect.poll(() => sessions.count()).toBe(1);
    expect(await sessions.first().getAttribute('data-current')).toBe('true');
    expect(await sessions.first().textContent()).toContain('This browser');
    expect(await sessions.first().textContent()).toContain(String(await page.evaluate('navigator.userAgent')));

    // The starter's server checks the same access token against the API's JWKS.
    const { id: userId } = (await worker.db
      .prepare('SELECT id FROM users WHERE email = ?')
      .bind(email)
      .first<{ id: string }>())!;
    await page.getByRole('button', { name: "Ask this app's server who I am" }).click();
    await expect.poll(() => page.getByTestId('whoami').textContent()).toContain(`"sub": "${userId}"`);
    await page.screenshot({ path: `${SHOTS}nextjs-account.png`, fullPage: true });

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.reload();
    await expect.poll(() => page.getByRole('navigation').getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await page.goto(`${front}/account`);
    await expect.poll(() => page.getByRole('main').getByRole('status').textContent()).toContain('You need to sign in');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('resets a forgotten password through the emailed link, and explains a failed provider sign-in', async () => {
    const email = `reset-${Date.now()}@example.com`;
    await signInOverHttp(api, email, { register: true });
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watchForErrors(page);

    await page.goto(`${front}/forgot-password`);
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toContain(`If an account exists for ${email}`);

    const link = await emailedLink(email, `${front}/reset-password?token=`);
    const resetPage = await page.goto(link);
    expect(resetPage!.headers()['referrer-policy']).toBe('no-referrer');
    await page.getByLabel('New password').fill('new-long-password-77');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toContain('Your password has been changed');
    // The same link again: single use.
    await page.goto(link);
    await page.getByLabel('New password').fill('another-long-password-88');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toContain('already used or expired');

    await page.goto(`${front}/login?next=/billing`);
    await signIn(page, email, 'new-long-password-77');
    await page.waitForURL(`${front}/billing`);
    await expect.poll(() => page.getByTestId('subscription').textContent()).toContain('No subscription');

    // The API sends a failed OAuth sign-in back to /login?error=<code>.
    await page.goto(`${front}/login?error=email_required`);
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toBe('The provider did not share a verified email address.');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('goes only to its own pages after sign-in, whatever ?next= says', async () => {
    const email = `next-path-${Date.now()}@example.com`;
    await signInOverHttp(api, email, { register: true });
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    // Any request for the other site (a navigation, the router's prefetch) is recorded, and answered
    // so that a navigation there would visibly land.
    const offSite: string[] = [];
    await context.route(
      (url) => url.hostname.endsWith('evil.example'),
      (route) => {
        offSite.push(route.request().url());
        return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>evil</title>' });
      },
    );
    const page = await context.newPage();
    const problems = watchForErrors(page);

    // As written in the query: browsers drop tab, CR and LF inside a URL and read `\` as `/`, and
    // dot segments resolve, so each of these once became `//evil.example`.
    const payloads = [
      '/%09/evil.example',
      '/%0a/evil.example',
      '/%0d/evil.example',
      '/%09%5Cevil.example',
      '/..//evil.example',
      '/.//evil.example',
      '/%2e%2e//evil.example',
    ];
    for (const payload of payloads) {
      // Signing in (router.push to the target)...
      await page.goto(`${front}/login?next=${payload}`);
      await signIn(page, email, PASSWORD);
      await page.waitForURL(`${front}/account`);
      await expect.poll(() => page.getByTestId('who').textContent()).toBe(email);
      // ... and, already signed in, the "Continue" link.
      await page.goto(`${front}/login?next=${payload}`);
      const proceed = page.getByRole('link', { name: 'Continue' });
      expect(await proceed.getAttribute('href'), payload).toBe('/account');
      await proceed.click();
      await page.waitForURL(`${front}/account`);
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.waitForURL(`${front}/`);
      await expect.poll(() => page.getByRole('navigation').getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    }
    // A path of the site itself still works, query and fragment kept.
    await page.goto(`${front}/login?next=${encodeURIComponent('/billing?from=login#plans')}`);
    await signIn(page, email, PASSWORD);
    await page.waitForURL(`${front}/billing?from=login#plans`);
    expect(offSite).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('runs an organization between two users: create, invite from the members page, accept the emailed link, switch, roles', async () => {
    const stamp = Date.now();
    const emailA = `org-owner-${stamp}@example.com`;
    const emailB = `org-member-${stamp}@example.com`;
    const revokedEmail = `org-revoked-${stamp}@example.com`;
    const orgName = `Acme ${stamp}`;

    // A signs up and verifies, then creates an organization, and acts for it at once.
    const contextA = await browser.newContext();
    contextA.setDefaultTimeout(15_000);
    const pageA = await contextA.newPage();
    const problemsA = watchForErrors(pageA);
    await pageA.goto(`${front}/signup`);
    await signUp(pageA, emailA, 'Ada');
    await pageA.waitForURL(`${front}/account?welcome=1`);
    await verifyEmail(pageA, emailA);
    await expect.poll(() => switcherShows(pageA)).toBe('Personal');
    await pageA.getByRole('navigation').getByRole('link', { name: 'Organizations' }).click();
    await pageA.waitForURL(`${front}/organizations`);
    await pageA.getByLabel('Name', { exact: true }).fill(orgName);
    await pageA.getByRole('button', { name: 'Create organization' }).click();
    await expect
      .poll(() => pageA.getByRole('main').getByRole('status').textContent())
      .toContain(`${orgName} is created, and you are now acting for it.`);
    await expect.poll(() => switcherShows(pageA)).toBe(orgName);
    await expect.poll(() => pageA.getByTestId('organizations').textContent()).toContain('your role: owner');

    // From the members page, A invites B's address as a member, and another address it then revokes.
    await pageA.getByRole('navigation').getByRole('link', { name: 'Members' }).click();
    await pageA.waitForURL(`${front}/members`);
    await expect
      .poll(() => pageA.getByTestId('active-organization').textContent())
      .toBe(`You are acting for ${orgName} as owner.`);
    const invite = async (email: string) => {
      await pageA.getByLabel('Email').fill(email);
      await pageA.getByLabel('Role', { exact: true }).selectOption('member');
      await pageA.getByRole('button', { name: 'Send invitation' }).click();
      await expect
        .poll(() => pageA.getByRole('main').getByRole('status').textContent())
        .toBe(`An invitation is on its way to ${email}.`);
    };
    await invite(emailB);
    await invite(revokedEmail);
    const pending = pageA.getByTestId('invitations').locator('li');
    await expect.poll(() => pending.count()).toBe(2);
    await pending.filter({ hasText: revokedEmail }).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => pending.count()).toBe(1);
    expect(await pending.first().textContent()).toContain(emailB);
    await pageA.screenshot({ path: `${SHOTS}nextjs-org-members-owner.png`, fullPage: true });

    // The links in the two emails. Opened by A (verified, but not the invited address): refused,
    // and the revoked one is no longer valid at all.
    const link = await emailedLink(emailB, `${front}/invitations/accept?token=`);
    const revokedLink = await emailedLink(revokedEmail, `${front}/invitations/accept?token=`);
    await pageA.goto(link);
    await pageA.getByRole('button', { name: 'Accept invitation' }).click();
    await expect
      .poll(() => pageA.getByRole('main').getByRole('alert').textContent())
      .toBe('This invitation was sent to another email address. Sign in with the address it was sent to.');
    expect(await pageA.getByRole('button', { name: 'Sign out, to sign in with another address' }).count()).toBe(1);
    await pageA.goto(revokedLink);
    await pageA.getByRole('button', { name: 'Accept invitation' }).click();
    await expect
      .poll(() => pageA.getByRole('main').getByRole('alert').textContent())
      .toBe('This invitation is invalid, already used, revoked or expired. Ask for a new one.');

    // B, in a browser of its own, opens the link signed out: the page sends it to create an account
    // and back (?next=); the address must be verified before it can accept.
    const contextB = await browser.newContext();
    contextB.setDefaultTimeout(15_000);
    const pageB = await contextB.newPage();
    const problemsB = watchForErrors(pageB);
    const invitationPage = await pageB.goto(link);
    // Its URL carries the token: no Referer takes it to another site.
    expect(invitationPage!.headers()['referrer-policy']).toBe('no-referrer');
    expect(invitationPage!.headers()['x-frame-options']).toBe('DENY');
    await pageB.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
    await pageB.waitForURL(/\/signup\?next=/);
    await signUp(pageB, emailB, 'Bob');
    await pageB.waitForURL(link);
    await expect
      .poll(() => pageB.getByRole('main').getByRole('status').textContent())
      .toContain(`Verify your email address first: open the link we emailed to ${emailB}`);
    await verifyEmail(pageB, emailB);
    await pageB.goto(link);
    await pageB.getByRole('button', { name: 'Accept invitation' }).click();
    await expect
      .poll(() => pageB.getByRole('main').getByRole('status').textContent())
      .toBe(`You are now a member of ${orgName}, as member.`);
    await pageB.screenshot({ path: `${SHOTS}nextjs-invitation-accepted.png`, fullPage: true });

    // B switches to the organization in the nav: the access token now carries it, and the members
    // page shows both members with their roles (and no invitation form: B is a member).
    await expect.poll(() => switcherShows(pageB)).toBe('Personal');
    await pageB.getByLabel('Organization', { exact: true }).selectOption({ label: orgName });
    await expect.poll(() => switcherShows(pageB)).toBe(orgName);
    await pageB.getByRole('navigation').getByRole('link', { name: 'Members' }).click();
    await pageB.waitForURL(`${front}/members`);
    await expect
      .poll(() => pageB.getByTestId('active-organization').textContent())
      .toBe(`You are acting for ${orgName} as member.`);
    const roleOf = (page: Page, email: string) =>
      page.getByTestId('members').locator('li', { hasText: email }).getByTestId('role').textContent();
    await expect.poll(() => roleOf(pageB, emailA)).toBe('owner');
    await expect.poll(() => roleOf(pageB, emailB)).toBe('member');
    expect(await pageB.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await pageB.getByRole('button', { name: 'Change role' }).count()).toBe(0);
    // A reload keeps it: the session remembers the active organization, and the refreshed token has it.
    await pageB.reload();
    await expect.poll(() => switcherShows(pageB)).toBe(orgName);
    await expect
      .poll(() => pageB.getByTestId('active-organization').textContent())
      .toBe(`You are acting for ${orgName} as member.`);
    await pageB.screenshot({ path: `${SHOTS}nextjs-org-members.png`, fullPage: true });

    // A sees B among the members, no pending invitation left, and makes B an admin.
    await pageA.goto(`${front}/members`);
    await expect.poll(() => roleOf(pageA, emailB)).toBe('member');
    await expect.poll(() => pageA.getByText('None.').count()).toBe(1);
    const rowB = pageA.getByTestId('members').locator('li', { hasText: emailB });
    await rowB.getByLabel(`Role of ${emailB}`).selectOption('admin');
    await rowB.getByRole('button', { name: 'Change role' }).click();
    await expect.poll(() => roleOf(pageA, emailB)).toBe('admin');
    await pageA.screenshot({ path: `${SHOTS}nextjs-org-members-owner-after.png`, fullPage: true });

    // B, back to acting for no organization: the Members link goes with it.
    await pageB.getByLabel('Organization', { exact: true }).selectOption({ label: 'Personal' });
    await expect.poll(() => switcherShows(pageB)).toBe('Personal');
    await expect.poll(() => pageB.getByRole('navigation').getByRole('link', { name: 'Members' }).count()).toBe(0);

    expect(problemsA).toEqual([]);
    expect(problemsB).toEqual([]);
    await contextA.close();
    await contextB.close();
  });

  it('sets up an authenticator app, then asks for its code at sign-in, steps up an older session, and takes recovery codes', async () => {
    const email = `mfa-${Date.now()}@example.com`;
    const newPassword = 'quartz-lantern-meadow-58';
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    // For the "Copy the codes" button (the clipboard needs the permission in a test browser).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: front });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto(`${front}/signup`);
    await signUp(page, email, 'Grace');
    await page.waitForURL(`${front}/account?welcome=1`);
    // Second factors are set up on a verified address only (else 403 FORBIDDEN).
    await verifyEmail(page, email);
    await page.goto(`${front}/account`);

    // Another browser signs in before the app is set up: its session has not proven a second factor.
    const older = await browser.newContext();
    older.setDefaultTimeout(15_000);
    const olderPage = await older.newPage();
    const olderProblems = watchForErrors(olderPage);
    await olderPage.goto(`${front}/login`);
    await signIn(olderPage, email, PASSWORD);
    await olderPage.waitForURL(`${front}/account`);

    // The account page shows it off and leads to the security page, which sets the app up: a QR
    // code and the secret in text (read here, as a person would type it into an app), then a code.
    await expect.poll(() => page.getByTestId('two-step-status').textContent()).toBe('off');
    await page.getByRole('link', { name: 'Manage two-step verification' }).click();
    await page.waitForURL(`${front}/account/security`);
    await expect.poll(() => page.getByTestId('totp-status').textContent()).toBe('off');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qrCode = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    expect(await qrCode.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const app = authenticatorApp((await page.getByTestId('totp-secret').textContent())!);
    await page.screenshot({ path: `${SHOTS}nextjs-totp-setup.png`, fullPage: true });
    await page.getByLabel('Code from your authenticator app').fill(await app.nextCode());
    await page.getByRole('button', { name: 'Turn on' }).click();

    // The 10 recovery codes, shown once, and copied.
    const shown = page.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => shown.count()).toBe(10);
    const recoveryCodes = await shown.allTextContents();
    for (const code of recoveryCodes) expect(code).toMatch(/^\w{4}-\w{4}-\w{4}-\w{4}$/);
    await page.getByRole('button', { name: 'Copy the codes' }).click();
    await expect.poll(() => page.getByText('Copied to the clipboard.').count()).toBe(1);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(recoveryCodes.join('\n'));
    await page.screenshot({ path: `${SHOTS}nextjs-recovery-codes.png`, fullPage: true });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('totp-status').textContent()).toBe('on');
    await expect.poll(() => page.getByTestId('recovery-codes-left').textContent()).toBe('10');
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);

    // Signed out, the password alone is not enough: the same page asks for a code. A wrong one is
    // refused; the app's next code signs in.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.goto(`${front}/login`);
    await signIn(page, email, PASSWORD);
    const codeField = page.getByLabel('Code from your authenticator app');
    expect(await codeField.getAttribute('inputmode')).toBe('numeric');
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await codeField.fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toBe('That code is wrong, expired or already used. Enter the newest code from your app.');
    await page.screenshot({ path: `${SHOTS}nextjs-sign-in-code.png`, fullPage: true });
    await codeField.fill(await app.nextCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${front}/account`);
    await expect.poll(() => page.getByTestId('who').textContent()).toBe(email);

    // The older session changes the password: the API wants a step-up first; the prompt takes a
    // recovery code, and the change goes through (ending the other sessions).
    await olderPage.reload();
    await olderPage.getByLabel('Current password').fill(PASSWORD);
    await olderPage.getByLabel('New password').fill(newPassword);
    await olderPage.getByRole('button', { name: 'Change password' }).click();
    const prompt = olderPage.getByRole('form', { name: 'Confirm it is you' });
    await prompt.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await prompt.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await olderPage.screenshot({ path: `${SHOTS}nextjs-step-up.png`, fullPage: true });
    await prompt.getByRole('button', { name: 'Confirm and continue' }).click();
    await expect.poll(() => olderPage.getByText('Your password has been changed.').count()).toBe(1);
    expect(await prompt.count()).toBe(0);

    // A fresh browser signs in with the new password and a recovery code.
    const fresh = await browser.newContext();
    fresh.setDefaultTimeout(15_000);
    const freshPage = await fresh.newPage();
    const freshProblems = watchForErrors(freshPage);
    await freshPage.goto(`${front}/login?next=/account/security`);
    await signIn(freshPage, email, newPassword);
    await freshPage.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await freshPage.getByLabel('Recovery code').fill(recoveryCodes[1]!);
    await freshPage.getByRole('button', { name: 'Verify' }).click();
    await freshPage.waitForURL(`${front}/account/security`);
    await expect.poll(() => freshPage.getByTestId('who').textContent()).toBe(email);
    await expect.poll(() => freshPage.getByTestId('recovery-codes-left').textContent()).toBe('8');
    await freshPage.getByRole('button', { name: 'Sign out', exact: true }).click();
    await freshPage.waitForURL(`${front}/`);

    // After an OAuth sign-in the API sends the browser to /login#mfa_token=...: an unknown token
    // asks to sign in again; a live one (from a password sign-in here: the same verify call) signs
    // in and goes on to ?next=, with the fragment gone from the address bar.
    const methods = 'methods=totp,recovery_code';
    await freshPage.goto(`${front}/login#mfa_token=${'a'.repeat(24)}.${'A'.repeat(43)}&${methods}`);
    await freshPage.getByLabel('Code from your authenticator app').fill('123456');
    await freshPage.getByRole('button', { name: 'Verify' }).click();
    await expect
      .poll(() => freshPage.getByRole('main').getByRole('alert').textContent())
      .toBe('This sign-in step has expired or was already used. Sign in again.');
    await freshPage.getByRole('button', { name: 'Sign in again' }).click();
    await expect.poll(() => freshPage.getByLabel('Password').count()).toBe(1);
    const login = await fetch(`${api}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: newPassword }),
    });
    const { mfa_token } = (await login.json()) as { mfa_token: string };
    await freshPage.goto(`${front}/login?next=/billing#mfa_token=${mfa_token}&${methods}`);
    await freshPage.getByRole('button', { name: 'Use a recovery code instead' }).click();
    expect(freshPage.url()).toBe(`${front}/login?next=/billing`);
    await freshPage.getByLabel('Recovery code').fill(recoveryCodes[2]!);
    await freshPage.getByRole('button', { name: 'Verify' }).click();
    await freshPage.waitForURL(`${front}/billing`);
    await expect.poll(() => freshPage.getByTestId('who').textContent()).toBe(email);

    expect(problems).toEqual([]);
    expect(olderProblems).toEqual([]);
    expect(freshProblems).toEqual([]);
    await context.close();
    await older.close();
    await fresh.close();
  }, 180_000);

  it('adds a passkey, signs in with it alone and as the second step, refuses a copy whose counter fell behind, steps up with it and goes passwordless', async () => {
    const email = `passkey-${Date.now()}@example.com`;
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const problems = watchForErrors(page);
    const authenticator = await virtualAuthenticator(context, page);
    await page.goto(`${front}/signup`);
    await signUp(page, email, 'Hedy');
    await page.waitForURL(`${front}/account?welcome=1`);
    await verifyEmail(page, email);

    // Another browser signs in with the password before the passkey exists: its session proves no second factor.
    const older = await browser.newContext();
    older.setDefaultTimeout(15_000);
    const olderPage = await older.newPage();
    const olderProblems = watchForErrors(olderPage);
    await olderPage.goto(`${front}/login`);
    await signIn(olderPage, email, PASSWORD);
    await olderPage.waitForURL(`${front}/account`);

    // The security page adds one, named: the browser (here, the virtual authenticator) creates it.
    await page.goto(`${front}/account`);
    await expect.poll(() => page.getByTestId('two-step-status').textContent()).toBe('off');
    await page.getByRole('link', { name: 'Manage two-step verification' }).click();
    await page.waitForURL(`${front}/account/security`);
    await expect.poll(() => page.getByTestId('passkey-count').textContent()).toBe('0');
    await page.getByLabel('Passkey name (optional)').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect
      .poll(() => page.getByText('Your passkey “Work laptop” is added: sign in with it next time.').count())
      .toBe(1);
    const rows = page.getByTestId('passkeys').locator('li');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/^Work laptopthis device onlyAdded .+ · not used yet/);
    const held = await authenticator.credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

    // Renamed in place.
    await page.getByRole('button', { name: 'Rename Work laptop' }).click();
    await page.getByLabel('New name').fill('Hedy’s laptop');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => rows.first().locator('strong').textContent()).toBe('Hedy’s laptop');
    await page.screenshot({ path: `${SHOTS}nextjs-passkeys.png`, fullPage: true });

    // Signed out, the passkey alone signs in: no email, no password; the session is aal2 (`hwk`).
    // First the browser's prompt fails (the user cancels, or the fingerprint does not match): the
    // browser's NotAllowedError, said calmly, and nothing sent.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.goto(`${front}/login`);
    await authenticator.userVerified(false);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toBe('The passkey prompt was closed or timed out. Nothing was changed: try again when you are ready.');
    await authenticator.userVerified(true);
    const first = await signInWithPasskey(page);
    expect(first.status()).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };
    expect(tokenClaims(access_token)).toMatchObject({ amr: ['hwk'], aal: 'aal2' });
    await page.waitForURL(`${front}/account`);
    await expect.poll(() => page.getByTestId('who').textContent()).toBe(email);
    await expect.poll(() => page.getByTestId('two-step-status').textContent()).toBe('on');

    // A copy of the credential as it is now (its private key and signature counter), then one more
    // sign-in with the original: the API's counter moves past the copy's.
    const [before] = await authenticator.credentials();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.goto(`${front}/login`);
    expect((await signInWithPasskey(page)).status()).toBe(200);
    await page.waitForURL(`${front}/account`);
    const [after] = await authenticator.credentials();
    expect(after!.signCount).toBeGreaterThan(before!.signCount);

    // The copy, in another browser: its signature counts no higher than the last one the API saw,
    // as a cloned authenticator's would. Refused, and the page says so.
    const cloned = await browser.newContext();
    cloned.setDefaultTimeout(15_000);
    const clonedPage = await cloned.newPage();
    const clonedProblems = watchForErrors(clonedPage);
    const copy = await virtualAuthenticator(cloned, clonedPage);
    await copy.add({
      credentialId: before!.credentialId,
      isResidentCredential: true,
      rpId: before!.rpId!,
      privateKey: before!.privateKey,
      userHandle: before!.userHandle!,
      signCount: before!.signCount,
    });
    await clonedPage.goto(`${front}/login`);
    const refused = await signInWithPasskey(clonedPage);
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'SECOND_FACTOR_INVALID' });
    await expect
      .poll(() => clonedPage.getByRole('main').getByRole('alert').textContent())
      .toBe('That passkey was not accepted. Try again, or use another passkey or another way to sign in.');
    expect(clonedPage.url()).toBe(`${front}/login`);
    expect(await clonedPage.getByRole('navigation').getByRole('link', { name: 'Sign in' }).count()).toBe(1);
    await clonedPage.screenshot({ path: `${SHOTS}nextjs-passkey-refused.png`, fullPage: true });

    // The password now asks for the passkey as its second step (no code field: there is no app).
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.goto(`${front}/login`);
    await signIn(page, email, PASSWORD);
    const usePasskey = page.getByRole('button', { name: 'Use a passkey' });
    await usePasskey.waitFor();
    expect(await page.getByLabel('Code from your authenticator app').count()).toBe(0);
    expect(await page.getByLabel('Recovery code').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}nextjs-passkey-second-step.png`, fullPage: true });
    const secondStep = page.waitForResponse((response) => response.url() === `${api}/api/auth/2fa/verify`);
    await usePasskey.click();
    const verified = await secondStep;
    expect(verified.status()).toBe(200);
    const secondToken = ((await verified.json()) as { access_token: string }).access_token;
    expect(tokenClaims(secondToken)).toMatchObject({ amr: ['pwd', 'hwk'], aal: 'aal2' });
    await page.waitForURL(`${front}/account`);
    await expect.poll(() => page.getByTestId('who').textContent()).toBe(email);

    // The older session (a password only) goes passwordless: the API wants a step-up first, and its
    // browser has the passkey too (as a synced one would be; the first browser does not use it again).
    const latest = (await authenticator.credentials())[0]!;
    const olderAuthenticator = await virtualAuthenticator(older, olderPage);
    await olderAuthenticator.add({
      credentialId: latest.credentialId,
      isResidentCredential: true,
      rpId: latest.rpId!,
      privateKey: latest.privateKey,
      userHandle: latest.userHandle!,
      signCount: latest.signCount,
    });
    await olderPage.goto(`${front}/account/security`);
    await expect.poll(() => olderPage.getByTestId('passkeys').locator('li').count()).toBe(1);
    await olderPage.getByLabel('Your current password').fill(PASSWORD);
    await olderPage.getByRole('button', { name: 'Remove my password' }).click();
    const prompt = olderPage.getByRole('form', { name: 'Confirm it is you' });
    await prompt.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await olderPage.screenshot({ path: `${SHOTS}nextjs-passkey-step-up.png`, fullPage: true });
    await prompt.getByRole('button', { name: 'Use a passkey' }).click();
    await expect
      .poll(() => olderPage.getByText('Your password is removed: sign in with a passkey from now on.').count())
      .toBe(1);
    expect(await prompt.count()).toBe(0);
    expect(await olderPage.getByRole('button', { name: 'Remove my password' }).count()).toBe(0);

    // Its only way to sign in now, the passkey stays.
    await olderPage.getByRole('button', { name: 'Remove Hedy’s laptop' }).click();
    await olderPage.getByRole('button', { name: 'Yes, remove' }).click();
    await expect
      .poll(() => olderPage.getByRole('main').getByRole('alert').textContent())
      .toBe('This is your last way to sign in. Add another passkey or link a provider first (or keep your password).');
    await expect.poll(() => olderPage.getByTestId('passkeys').locator('li').count()).toBe(1);
    await olderPage.screenshot({ path: `${SHOTS}nextjs-passkey-last.png`, fullPage: true });

    // The password no longer signs in.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${front}/`);
    await page.goto(`${front}/login`);
    await signIn(page, email, PASSWORD);
    await expect
      .poll(() => page.getByRole('main').getByRole('alert').textContent())
      .toBe('That email and password do not match.');

    expect(problems).toEqual([]);
    expect(olderProblems).toEqual([]);
    expect(clonedProblems).toEqual([]);
    await context.close();
    await older.close();
    await cloned.close();
  }, 180_000);

  it("makes an API key shown once after a step-up, uses it, revokes it; and an organization's keys on its page", async () => {
    const email = `api-keys-${Date.now()}@example.com`;
    const orgName = `Keys ${Date.now()}`;
    // UTC in the page: the expiry a date field means (the end of that day, the browser's time) is then known here.
    const context = await browser.newContext({ timezoneId: 'UTC' });
    context.setDefaultTimeout(15_000);
    // For the "Copy the key" button (the clipboard needs the permission in a test browser).
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: front });
    const page = await context.newPage();
    const problems = watchForErrors(page);
    await page.goto(`${front}/signup`);
    await signUp(page, email, 'Lin');
    await page.waitForURL(`${front}/account?welcome=1`);
    // Keys are made from verified addresses only (else 403 FORBIDDEN).
    await verifyEmail(page, email);
    await page.getByRole('navigation').getByRole('link', { name: 'API keys' }).click();
    await page.waitForURL(`${front}/api-keys`);
    await expect.poll(() => page.getByText('No API keys yet.').count()).toBe(1);

    // As if the sign-in were 11 minutes old: the session's proof time, which the access token a
    // reload refreshes carries as auth_time. Making a key then needs a step-up (STEP_UP_REQUIRED).
    await worker.db
      .prepare('UPDATE sessions SET authenticated_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)')
      .bind(Date.now() - 11 * 60_000, email)
      .run();
    await page.reload();
    const form = page.getByRole('form', { name: 'Create an API key' });
    // No scope ticked: said on the page, nothing sent.
    await form.getByLabel('Name', { exact: true }).fill('Nightly export');
    await form.getByRole('checkbox', { name: 'Read', exact: true }).uncheck();
    await form.getByRole('button', { name: 'Create API key' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('Choose at least one scope.');
    await form.getByRole('checkbox', { name: 'Read', exact: true }).check();
    await form.getByRole('checkbox', { name: 'Read billing', exact: true }).check();
    await form.getByRole('button', { name: 'Create API key' }).click();
    const prompt = page.getByRole('form', { name: 'Confirm it is you' });
    await prompt.getByLabel('Your password').fill(PASSWORD);
    await page.screenshot({ path: `${SHOTS}nextjs-api-key-step-up.png`, fullPage: true });
    await prompt.getByRole('button', { name: 'Confirm and continue' }).click();

    // The key, this once, with the warning and a working copy button.
    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    expect(await prompt.count()).toBe(0);
    const key = (await shown.textContent())!;
    expect(await page.getByRole('group', { name: 'Your new key “Nightly export”' }).textContent()).toContain(
      'You will not see it again',
    );
    await page.getByRole('button', { name: 'Copy the key' }).click();
    await expect.poll(() => page.getByText('Copied to the clipboard.').count()).toBe(1);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    await page.screenshot({ path: `${SHOTS}nextjs-api-key-shown.png`, fullPage: true });

    // The key works, from outside the browser: it describes itself, and reads the account (read scope).
    const self = await fetch(`${api}/api/api-keys/self`, { headers: { Authorization: `Bearer ${key}` } });
    expect(self.status).toBe(200);
    const described = (await self.json()) as { id: string; start: string; last4: string; scopes: string[] };
    expect(described).toMatchObject({ owner: { type: 'user' }, scopes: ['read', 'billing:read'], status: 'active' });
    const me = await fetch(`${api}/api/me`, { headers: { Authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email });

    // The list shows it by its ends, never whole; once "Done", and after a reload, the key is nowhere on the page.
    const rows = page.getByTestId('api-keys').locator('li');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(
      new RegExp(
        `^Nightly exportactive${described.start}…${described.last4} · Read, Read billingCreated .+ · never usedRevoke$`,
      ),
    );
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await shown.count()).toBe(0);
    // Its last use is recorded after the response (waitUntil): then the list shows it.
    await expect
      .poll(
        async () =>
          (await worker.db.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').bind(described.id).first())
            ?.last_used_at,
      )
      .toBeTruthy();
    await page.reload();
    await expect.poll(() => rows.first().textContent()).toContain('last used');
    expect(await page.content()).not.toContain(key);

    // Revoked after a confirmation: the list says so, and the API refuses the key at once.
    await page.getByRole('button', { name: 'Revoke Nightly export' }).click();
    await page.getByRole('button', { name: 'Keep it' }).click();
    expect(await rows.first().getAttribute('data-status')).toBe('active');
    await page.getByRole('button', { name: 'Revoke Nightly export' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect
      .poll(() => page.getByRole('main').getByRole('status').textContent())
      .toBe('The key “Nightly export” is revoked: requests with it are refused from now on.');
    await expect.poll(() => rows.first().getAttribute('data-status')).toBe('revoked');
    expect(await rows.first().getByRole('button').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}nextjs-api-key-revoked.png`, fullPage: true });
    for (const path of ['/api/api-keys/self', '/api/me']) {
      const refused = await fetch(`${api}${path}`, { headers: { Authorization: `Bearer ${key}` } });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'API_KEY_REVOKED' });
    }

    // A key with a last day (the step-up is recent now: no prompt): it ends with that day.
    const lastDay = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel('Name', { exact: true }).fill('Trial');
    await form.getByLabel('Expires (optional)').fill(lastDay);
    await form.getByRole('button', { name: 'Create API key' }).click();
    await expect.poll(() => page.getByRole('group', { name: 'Your new key “Trial”' }).count()).toBe(1);
    const trial = (await page.getByTestId('new-api-key').textContent())!;
    expect(trial).not.toBe(key);
    const trialSelf = await fetch(`${api}/api/api-keys/self`, { headers: { Authorization: `Bearer ${trial}` } });
    expect(await trialSelf.json()).toMatchObject({ scopes: ['read'], expires_at: `${lastDay}T23:59:59.999Z` });
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain('expires');

    // An organization's keys, on its page, for its owner: the same card, the key the organization's.
    await page.getByRole('navigation').getByRole('link', { name: 'Organizations' }).click();
    await page.waitForURL(`${front}/organizations`);
    await page.getByLabel('Name', { exact: true }).fill(orgName);
    await page.getByRole('button', { name: 'Create organization' }).click();
    const orgKeys = page.getByRole('region', { name: `API keys of ${orgName}` });
    await expect.poll(() => orgKeys.getByText('No API keys yet.').count()).toBe(1);
    await orgKeys.getByLabel('Name', { exact: true }).fill('Billing sync');
    await orgKeys.getByRole('checkbox', { name: 'Read', exact: true }).uncheck();
    await orgKeys.getByRole('checkbox', { name: 'Read billing', exact: true }).check();
    await orgKeys.getByRole('button', { name: 'Create API key' }).click();
    const orgKey = (await orgKeys.getByTestId('new-api-key').textContent())!;
    const orgSelf = await fetch(`${api}/api/api-keys/self`, { headers: { Authorization: `Bearer ${orgKey}` } });
    const { id: orgId } = (await worker.db
      .prepare('SELECT id FROM organizations WHERE name = ?')
      .bind(orgName)
      .first<{ id: string }>())!;
    expect(await orgSelf.json()).toMatchObject({
      owner: { type: 'organization', id: orgId },
      scopes: ['billing:read'],
    });
    await page.screenshot({ path: `${SHOTS}nextjs-api-key-organization.png`, fullPage: true });
    await orgKeys.getByRole('button', { name: 'Revoke Billing sync' }).click();
    await orgKeys.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect
      .poll(() => orgKeys.getByTestId('api-keys').locator('li').first().getAttribute('data-status'))
      .toBe('revoked');
    // Revoking it also hides its secret, no longer of use.
    expect(await orgKeys.getByTestId('new-api-key').count()).toBe(0);
    const orgRefused = await fetch(`${api}/api/orgs/${orgId}/billing`, {
      headers: { Authorization: `Bearer ${orgKey}` },
    });
    expect(orgRefused.status).toBe(401);
    expect(await orgRefused.json()).toMatchObject({ code: 'API_KEY_REVOKED' });
    // The user's own keys are not the organization's.
    expect(await orgKeys.getByTestId('api-keys').locator('li').count()).toBe(1);

    expect(problems).toEqual([]);
    await context.close();
  });

  it("has a route handler that trusts the API's access tokens through the JWKS, and refuses others like the API", async () => {
    const whoami = (authorization?: string) =>
      fetch(`${front}/api/whoami`, authorization ? { headers: { Authorization: authorization } } : {});
    const email = `whoami-${Date.now()}@example.com`;
    const { access_token, user } = await signInOverHttp(api, email, { register: true });

    const valid = await whoami(`Bearer ${access_token}`);
    expect(valid.status).toBe(200);
    expect(await valid.json()).toMatchObject({ sub: user.id, role: 'user', sid: expect.any(String) });
    // The scheme in any case, one or more spaces: as the API reads it.
    expect((await whoami(`bearer ${access_token}`)).status).toBe(200);
    expect((await whoami(`BEARER   ${access_token}`)).status).toBe(200);

    const refused = async (authorization: string | undefined, code: string) => {
      const response = await whoami(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('WWW-Authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ code, error: expect.any(String) });
    };
    await refused(undefined, 'AUTH_HEADER_MISSING');
    await refused(`Basic ${btoa('a:b')}`, 'AUTH_HEADER_MALFORMED');

    // Claims as the API writes them, signed by the API's own key but expired; and fresh but signed
    // by a key of an attacker's that borrows the API key's id.
    const claims = (
      key: Awaited<ReturnType<typeof importJWK>>,
      kid: string,
      exp: number,
      extra: Record<string, unknown> = { sid: 'session', role: 'admin' },
      jti: string | null = crypto.randomUUID(),
    ) => {
      const jwt = new SignJWT(extra)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer(api)
        .setAudience(api)
        .setSubject(user.id)
        .setIssuedAt(exp - 900)
        .setExpirationTime(exp);
      return (jti === null ? jwt : jwt.setJti(jti)).sign(key);
    };
    const now = Math.floor(Date.now() / 1000);
    const apiKey = await importJWK(signingKey, 'ES256');
    await refused(`Bearer ${await claims(apiKey, signingKey.kid, now - 60)}`, 'TOKEN_EXPIRED');
    // Signed by the API's key, but without the claims the API requires (or with a role it never writes).
    expect((await whoami(`Bearer ${await claims(apiKey, signingKey.kid, now + 600)}`)).status).toBe(200);
    await refused(`Bearer ${await claims(apiKey, signingKey.kid, now + 600, undefined, null)}`, 'TOKEN_INVALID');
    await refused(`Bearer ${await claims(apiKey, signingKey.kid, now + 600, { role: 'user' })}`, 'TOKEN_INVALID');
    await refused(`Bearer ${await claims(apiKey, signingKey.kid, now + 600, { sid: 'session' })}`, 'TOKEN_INVALID');
    await refused(
      `Bearer ${await claims(apiKey, signingKey.kid, now + 600, { sid: 'session', role: 'root' })}`,
      'TOKEN_INVALID',
    );
    const attacker = (await generateSigningKeySet('ES256')).keys[0]!;
    await refused(
      `Bearer ${await claims(await importJWK(attacker, 'ES256'), signingKey.kid, now + 600)}`,
      'TOKEN_INVALID',
    );
    await refused(`Bearer ${access_token.slice(0, -4)}AAAA`, 'TOKEN_INVALID');

    // With the API out of reach, a good token is not called invalid (a client would drop its session).
    const [unreachablePort, cutOffPort] = [await freePort(), await freePort()];
    const cutOff = await startNext(cutOffPort, `http://localhost:${unreachablePort}`);
    try {
      const response = await fetch(`http://localhost:${cutOffPort}/api/whoami`, {
        headers: { Authorization: `Bearer ${access_token}` },
      });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'JWKS_UNAVAILABLE' });
    } finally {
      await stopNext(cutOff);
    }
  });
});
