// GET /api/dev/emails exists only in development.
import { describe, expect, it } from 'vitest';
import { register } from './support/auth';
import { call, callWithBindings, expectError } from './support/http';

/** Where `npm run dev` serves the API. */
const LOCAL_API = 'http://localhost:8787';

describe('GET /api/dev/emails', () => {
  it('is 404 NOT_FOUND outside development', async () => {
    const response = await call('/api/dev/emails');
    await expectError(response, 404, 'NOT_FOUND');
    for (const appEnv of ['test', 'production']) {
      const production = {
        APP_URL: 'https://app.example.com',
        API_URL: 'https://api.example.com',
        CORS_ORIGINS: 'https://app.example.com',
        EMAIL_PROVIDER: 'resend',
        RESEND_API_KEY: 'k',
        EMAIL_FROM: 'x@example.com',
      };
      const settings = appEnv === 'production' ? { APP_ENV: appEnv, ...production } : { APP_ENV: appEnv };
      expect((await callWithBindings(settings, '/api/dev/emails')).status).toBe(404);
    }
  });

  it('is 404 in development too unless both API_URL and the request are on a loopback host', async () => {
    const cases: [string, string][] = [
      // A staging Worker left in development mode.
      ['https://api.staging.example.com', 'https://api.staging.example.com/api/dev/emails'],
      // ... even with .dev.vars copied over as they are.
      [LOCAL_API, 'https://api.staging.example.com/api/dev/emails'],
      ['https://api.staging.example.com', `${LOCAL_API}/api/dev/emails`],
      ['http://localhost.evil.example:8787', 'http://localhost.evil.example:8787/api/dev/emails'],
    ];
    for (const [apiUrl, url] of cases) {
      const response = await callWithBindings({ APP_ENV: 'development', API_URL: apiUrl }, url);
      await expectError(response, 404, 'NOT_FOUND');
    }
    for (const origin of ['http://127.0.0.1:8787', 'http://[::1]:8787']) {
      expect(
        (await callWithBindings({ APP_ENV: 'development', API_URL: origin }, `${origin}/api/dev/emails`)).status,
      ).toBe(200);
    }
  });

  it('lists the outbox newest first with recipient, subject, text and links in development', async () => {
    const older = await register();
    const newer = await register();
    const response = await callWithBindings(
      { APP_ENV: 'development', API_URL: LOCAL_API },
      `${LOCAL_API}/api/dev/emails`,
    );
    expect(response.status).toBe(200);
    const { emails } = await response.json<{
      emails: { to: string; subject: string; text: string; links: string[]; created_at: string }[];
    }>();
    const mine = emails.filter((e) => e.to === older.email || e.to === newer.email);
    expect(mine.map((e) => e.to)).toEqual([newer.email, older.email]);
    expect(mine[0]).toMatchObject({ subject: 'Confirm your email address' });
    expect(mine[0]!.links[0]).toMatch(/^http:\/\/app\.test\/verify-email\?token=[a-z2-7]{24}\.[\w-]{43}$/);
    expect(mine[0]!.text).toContain(mine[0]!.links[0]);
  });
});
