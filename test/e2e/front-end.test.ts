// In real Chromium: the example page on another origin signs up, keeps its session through the
// refresh cookie (credentialed CORS), starts a checkout; a disallowed origin is blocked; the admin
// page works end to end. Screenshots go to test-results/screenshots/.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_PASSWORD, signInOverHttp } from './accounts';
import { startStack } from './harness';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const PASSWORD = 'mauve-orbit-tundra-42';
let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function output(page: Page) {
  return (await page.locator('#output').textContent()) ?? '';
}

describe('the example front end on another origin', () => {
  it('signs up, survives a reload through the refresh cookie, calls /api/me, starts a checkout and logs out', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const email = `browser-${Date.now()}@example.com`;
    await page.goto(`${stack.front}/?api=${encodeURIComponent(stack.api)}`);
    await expect.poll(() => output(page)).toContain('not signed in');

    await page.fill('#register input[name=email]', email);
    await page.fill('#register input[name=password]', PASSWORD);
    await page.click('#register button');
    await expect.poll(() => page.textContent('#user')).toBe(email);
    expect(await output(page)).toContain('/api/auth/register → 201');

    // The refresh cookie was stored for the API (HttpOnly: the page can't read it, the browser sends it).
    const cookies = await context.cookies(`${stack.api}/api/auth/refresh`);
    const refreshCookie = cookies.find((c) => c.name === 'refresh_token');
    expect(refreshCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/api/auth' });
    expect(await page.evaluate('document.cookie')).not.toContain('refresh_token');

    // A reload forgets the in-memory access token; the cookie brings the session back.
    await page.reload();
    await expect.poll(() => output(page)).toContain('session restored from the refresh cookie');
    await expect.poll(() => page.textContent('#user')).toBe(email);

    await page.click('#me');
    await expect.poll(() => output(page)).toContain('GET /api/me → 200');
    await page.click('#checkout');
    await expect.poll(() => output(page)).toContain('checkout → 200');
    expect(await page.locator('#output').getAttribute('data-checkout-url')).toMatch(
      /^https:\/\/checkout\.stripe\.com\//,
    );
    await page.screenshot({ path: `${SHOTS}example-signed-in.png`, fullPage: true });

    await page.click('#logout');
    await expect.poll(() => page.textContent('#user')).toBe('nobody');
    await page.reload();
    await expect.poll(() => output(page)).toContain('not signed in');
    await context.close();
  });

  it('is blocked by CORS when served from an origin outside CORS_ORIGINS', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.foreign}/?api=${encodeURIComponent(stack.api)}`);
    await expect.poll(() => output(page)).toContain('restore failed');
    await page.fill('#register input[name=email]', `blocked-${Date.now()}@example.com`);
    await page.fill('#register input[name=password]', PASSWORD);
    await page.click('#register button');
    await expect.poll(() => output(page)).toContain('sign up failed');
    expect(await output(page)).toContain('TypeError');
    await page.screenshot({ path: `${SHOTS}example-foreign-origin-blocked.png`, fullPage: true });
    await context.close();
  });
});

describe('@liftoff/client in two tabs', () => {
  it('refreshes once for two tabs whose tokens expired, firing calls at the same moment: no REFRESH_TOKEN_REUSED', async () => {
    const context = await stack.browser.newContext();
    const refreshes: { status: number; rotated: boolean }[] = [];
    context.on('response', async (response) => {
      if (!response.url().endsWith('/api/auth/refresh') || response.request().method() !== 'POST') return;
      const setCookie = (await response.allHeaders())['set-cookie'] ?? '';
      refreshes.push({
        status: response.status(),
        rotated: /refresh_token=[^;]+/.test(setCookie) && !setCookie.includes('Max-Age=0'),
      });
    });
    const url = `${stack.front}/?api=${encodeURIComponent(stack.api)}`;
    const email = `tabs-${Date.now()}@example.com`;
    const tabA = await context.newPage();
    const tabB = await context.newPage();
    // Each tab's clock is the page's own (the server keeps real time): moving them ahead is how the
    // tokens in the tabs expire without a test that waits out ACCESS_TOKEN_TTL.
    await Promise.all([tabA.clock.install(), tabB.clock.install()]);
    await tabA.goto(url);
    await expect.poll(() => output(tabA)).toContain('not signed in');
    await tabA.fill('#register input[name=email]', email);
    await tabA.fill('#register input[name=password]', PASSWORD);
    await tabA.click('#register button');
    await expect.poll(() => tabA.textContent('#user')).toBe(email);
    await tabB.goto(url);
    await expect.poll(() => output(tabB)).toContain('session restored from the refresh cookie');

    // Both access tokens expire (ACCESS_TOKEN_TTL is 15 minutes here); then both tabs call at once.
    refreshes.length = 0;
    await Promise.all([tabA.clock.fastForward('16:00'), tabB.clock.fastForward('16:00')]);
    const fire = (tab: Page) =>
      tab.evaluate(() => {
        const { api } = (
          globalThis as unknown as { liftoff: { api: { GET(path: string): Promise<{ response: Response }> } } }
        ).liftoff;
        return Promise.all(Array.from({ length: 5 }, () => api.GET('/api/me').then((r) => r.response.status)));
      });
    const [statusesA, statusesB] = await Promise.all([fire(tabA), fire(tabB)]);
    expect([...statusesA, ...statusesB]).toEqual(Array(10).fill(200));
    // One tab refreshed (Web Locks); the other received its token (BroadcastChannel).
    expect(refreshes).toEqual([{ status: 200, rotated: true }]);

    // The session survived: a reload restores it from the rotated cookie.
    await tabB.reload();
    await expect.poll(() => output(tabB)).toContain('session restored from the refresh cookie');
    await context.close();
  });
});

describe('the admin page', () => {
  it('signs an admin in, shows stats, finds a user, disables and re-enables them, shows it in the audit log, and finds their organization', async () => {
    // An admin and a user, created through the API itself.
    const register = async (email: string) => {
      const response = await fetch(`${stack.api}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      expect(response.status).toBe(201);
      return ((await response.json()) as { user: { id: string } }).user.id;
    };
    const adminEmail = `admin-${Date.now()}@example.com`;
    const userEmail = `member-${Date.now()}@example.com`;
    const adminId = await register(adminEmail);
    const userId = await register(userEmail);
    await stack.db
      .prepare("UPDATE users SET role = 'admin', email_verified_at = ? WHERE id = ?")
      .bind(Date.now(), adminId)
      .run();
    // The user's organization, with them as its owner.
    const orgSlug = `browser-org-${Date.now()}`;
    const orgId = crypto.randomUUID();
    await stack.db.batch([
      stack.db
        .prepare(
          'INSERT INTO organizations (id, name, slug, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .bind(orgId, 'Browser Org', orgSlug, userId, Date.now(), Date.now()),
      stack.db
        .prepare("INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)")
        .bind(orgId, userId, Date.now()),
    ]);

    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    // 401s from the first refresh attempt are expected network errors; script errors are not.
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    await page.goto(`${stack.api}/admin`);
    await page.fill('#signin-form input[name=email]', adminEmail);
    await page.fill('#signin-form input[name=password]', PASSWORD);
    await page.click('#signin-form button');
    await expect.poll(() => page.textContent('#who')).toBe(`${adminEmail} (admin)`);
    await expect.poll(() => page.textContent('[data-stat="Users"]')).toMatch(/^\d+$/);

    await page.fill('#search-form input[name=q]', userEmail);
    await page.click('#search-form button');
    const row = page.locator('#users tbody tr', { hasText: userEmail });
    await expect.poll(() => row.count()).toBe(1);
    await row.click();
    await expect.poll(() => page.textContent('#detail-title')).toBe(`User ${userEmail}`);
    await page.click('#toggle-disabled');
    await expect.poll(() => page.textContent('[data-field="Status"]')).toContain('disabled');
    await expect.poll(() => page.locator('#audit tbody tr', { hasText: 'admin.user_disabled' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}admin-user-disabled.png`, fullPage: true });

    // The disabled user can't sign in any more.
    const login = await fetch(`${stack.api}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: userEmail, password: PASSWORD }),
    });
    expect(login.status).toBe(403);

    await page.click('#toggle-disabled');
    await expect.poll(() => page.textContent('[data-field="Status"]')).toBe('active');

    // A user who lost their authenticator app: the admin sees it is on, and resets it.
    await stack.db
      .prepare('INSERT INTO totp_factors (user_id, secret_sealed, confirmed_at, created_at) VALUES (?, ?, ?, ?)')
      .bind(userId, 'k1.sealed.secret', Date.now(), Date.now())
      .run();
    await row.click();
    await expect.poll(() => page.textContent('[data-field="Second factor"]')).toBe('on');
    await page.click('#reset-second-factor');
    await expect.poll(() => page.textContent('[data-field="Second factor"]')).toBe('off');
    expect(await page.isDisabled('#reset-second-factor')).toBe(true);
    await expect.poll(() => page.locator('#audit tbody tr', { hasText: 'admin.second_factor_reset' }).count()).toBe(1);
    await page.click('#toggle-role');
    await expect.poll(() => page.textContent('[data-field="Role"]')).toBe('admin');
    expect(await page.textContent('#detail-orgs')).toBe(`Browser Org (${orgSlug}) — owner`);

    // The organization: found by its slug, then its detail with the members and their roles.
    await page.fill('#org-search-form input[name=q]', orgSlug);
    await page.click('#org-search-form button');
    const orgRow = page.locator('#orgs tbody tr', { hasText: orgSlug });
    await expect.poll(() => orgRow.count()).toBe(1);
    expect(await orgRow.locator('td').allTextContents()).toEqual([
      'Browser Org',
      orgSlug,
      '1',
      'none',
      expect.any(String),
    ]);
    await orgRow.click();
    await expect.poll(() => page.textContent('#org-detail-title')).toBe('Organization Browser Org');
    expect(await page.textContent('[data-org-field="Subscription"]')).toBe('none');
    const memberRow = page.locator('#org-members tbody tr', { hasText: userEmail });
    expect(await memberRow.locator('td').nth(2).textContent()).toBe('owner');
    await page.screenshot({ path: `${SHOTS}admin-organization.png`, fullPage: true });

    // Reloading keeps the admin signed in through the refresh cookie.
    await page.reload();
    await expect.poll(() => page.textContent('#who')).toBe(`${adminEmail} (admin)`);
    await page.screenshot({ path: `${SHOTS}admin-dashboard.png`, fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it("shows a user's and an organization's API keys as text, revokes one after a confirmation, and the API then refuses it", async () => {
    const stamp = Date.now();
    const adminEmail = `keys-admin-${stamp}@example.com`;
    const ownerEmail = `key-owner-${stamp}@example.com`;
    const admin = await signInOverHttp(stack.api, adminEmail, { register: true });
    const owner = await signInOverHttp(stack.api, ownerEmail, { register: true });
    await stack.db
      .prepare("UPDATE users SET role = 'admin', email_verified_at = ? WHERE id = ?")
      .bind(Date.now(), admin.user.id)
      .run();
    // Keys are made from verified addresses: as opening the verification link (test/support/two-factor.ts, markVerified).
    await stack.db
      .prepare('UPDATE users SET email_verified_at = ?, password_vouched = 1 WHERE id = ?')
      .bind(Date.now(), owner.user.id)
      .run();
    const post = (path: string, body: unknown) =>
      fetch(`${stack.api}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${owner.access_token}` },
        body: JSON.stringify(body),
      });
    type NewKey = { id: string; key: string; start: string; last4: string };
    const makeKey = async (path: string, name: string) => {
      const response = await post(path, { name, scopes: ['read'] });
      expect(response.status).toBe(201);
      return (await response.json()) as NewKey;
    };
    // A name that would be markup if the page parsed it.
    const keyName = 'Nightly <b>export</b>';
    const key = await makeKey('/api/me/api-keys', keyName);
    const orgSlug = `keyed-org-${stamp}`;
    const created = await post('/api/orgs', { name: 'Keyed Org', slug: orgSlug });
    expect(created.status).toBe(201);
    const org = (await created.json()) as { id: string };
    const orgKey = await makeKey(`/api/orgs/${org.id}/api-keys`, 'Org sync');
    const self = (secret: string) =>
      fetch(`${stack.api}/api/api-keys/self`, { headers: { Authorization: `Bearer ${secret}` } });
    // The key works, and its use is recorded (after the response).
    expect((await self(key.key)).status).toBe(200);
    await expect
      .poll(
        async () =>
          (
            await stack.db.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').bind(key.id).first<{
              last_used_at: number | null;
            }>()
          )?.last_used_at,
      )
      .not.toBeNull();

    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text());
    });
    const revocations: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/revoke')) revocations.push(request.url());
    });
    await page.goto(`${stack.api}/admin`);
    await page.fill('#signin-form input[name=email]', adminEmail);
    await page.fill('#signin-form input[name=password]', E2E_PASSWORD);
    await page.click('#signin-form button');
    await expect.poll(() => page.textContent('#who')).toBe(`${adminEmail} (admin)`);

    // The user's detail lists their key (not the organization's they made): the name as text, never the key.
    await page.fill('#search-form input[name=q]', ownerEmail);
    await page.click('#search-form button');
    const userRow = page.locator('#users tbody tr', { hasText: ownerEmail });
    await expect.poll(() => userRow.count()).toBe(1);
    await userRow.click();
    await expect.poll(() => page.textContent('#detail-title')).toBe(`User ${ownerEmail}`);
    const keyRows = page.locator('#detail-keys tbody tr');
    await expect.poll(() => keyRows.count()).toBe(1);
    const hint = `${key.start}…${key.last4}`;
    const cells = await keyRows.locator('td').allTextContents();
    expect(cells).toEqual([keyName, hint, 'read', 'active', expect.any(String), expect.any(String), 'never', 'Revoke']);
    expect(cells[4]).not.toBe('');
    expect(cells[5]).not.toBe('never');
    expect(await page.locator('#detail-keys b').count()).toBe(0);
    expect(await page.textContent('#detail-keys')).not.toContain(key.key);

    // Revoke asks first: dismissed, nothing is sent and the key still works.
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click('#detail-keys button');
    await expect
      .poll(() => dialogs)
      .toEqual([`Revoke the API key "${keyName}" (${hint})? Requests with it are refused from now on.`]);
    expect(await keyRows.locator('td').nth(3).textContent()).toBe('active');
    expect((await self(key.key)).status).toBe(200);
    expect(revocations).toEqual([]);

    // Accepted: revoked, the list read again (no button any more), the audit log shows it.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#detail-keys button');
    await expect.poll(() => keyRows.locator('td').nth(3).textContent()).toMatch(/^revoked /);
    expect(await keyRows.locator('button').count()).toBe(0);
    expect(revocations).toEqual([`${stack.api}/api/admin/api-keys/${key.id}/revoke`]);
    expect(await page.textContent('#status')).toBe(`API key ${hint} revoked.`);
    await expect.poll(() => page.locator('#audit tbody tr', { hasText: 'admin.api_key_revoked' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}admin-api-key-revoked.png`, fullPage: true });

    // The API refuses the key from now on.
    const refused = await self(key.key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('API_KEY_REVOKED');

    // The organization's detail lists its key, which is revoked the same way.
    await page.fill('#org-search-form input[name=q]', orgSlug);
    await page.click('#org-search-form button');
    const orgRow = page.locator('#orgs tbody tr', { hasText: orgSlug });
    await expect.poll(() => orgRow.count()).toBe(1);
    await orgRow.click();
    await expect.poll(() => page.textContent('#org-detail-title')).toBe('Organization Keyed Org');
    const orgKeyRows = page.locator('#org-keys tbody tr');
    await expect.poll(() => orgKeyRows.count()).toBe(1);
    expect(await orgKeyRows.locator('td').allTextContents()).toEqual([
      'Org sync',
      `${orgKey.start}…${orgKey.last4}`,
      'read',
      'active',
      expect.any(String),
      'never',
      'never',
      'Revoke',
    ]);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#org-keys button');
    await expect.poll(() => orgKeyRows.locator('td').nth(3).textContent()).toMatch(/^revoked /);
    const orgRefused = await self(orgKey.key);
    expect(orgRefused.status).toBe(401);
    expect(((await orgRefused.json()) as { code: string }).code).toBe('API_KEY_REVOKED');
    // The user's detail, still open, kept its own list.
    expect(await keyRows.count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('tells a signed-in non-admin that the account is not an admin', async () => {
    const email = `plain-${Date.now()}@example.com`;
    await fetch(`${stack.api}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${stack.api}/admin`);
    await page.fill('#signin-form input[name=email]', email);
    await page.fill('#signin-form input[name=password]', PASSWORD);
    await page.click('#signin-form button');
    await expect.poll(() => page.textContent('#status')).toContain('not an admin');
    expect(await page.locator('#app').isHidden()).toBe(true);
    await context.close();
  });
});
