// Every URL setting goes through one check: http(s) only, https in production, origins without a path.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config';
import { PRODUCTION_SETTINGS, testSettings } from '../support/settings';

/** Settings that switch on every feature with a URL setting, so each one is read. */
const everyFeature = {
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_WEBHOOK_SECRET: 'whsec_x',
  STRIPE_PRICE_IDS: 'price_1',
  GOOGLE_CLIENT_ID: 'g',
  GOOGLE_CLIENT_SECRET: 'g',
  GITHUB_CLIENT_ID: 'h',
  GITHUB_CLIENT_SECRET: 'h',
  OIDC_ISSUER: 'https://auth.example.com/realms/app',
  OIDC_CLIENT_ID: 'o',
  OIDC_CLIENT_SECRET: 'o',
};

const origins = ['APP_URL', 'API_URL', 'STRIPE_API_URL', 'RESEND_API_URL'];
const pathUrls = [
  'GOOGLE_AUTHORIZATION_URL',
  'GOOGLE_TOKEN_URL',
  'GOOGLE_JWKS_URL',
  'GITHUB_AUTHORIZATION_URL',
  'GITHUB_TOKEN_URL',
  'GITHUB_API_URL',
  'OIDC_ISSUER',
];

async function detailsWith(overrides: Record<string, string>): Promise<string[]> {
  const result = parseConfig({ ...(await testSettings()), ...everyFeature, ...overrides });
  return result instanceof ConfigError ? result.details : [];
}

async function problemsWith(overrides: Record<string, string>): Promise<string[]> {
  const result = parseConfig({ ...(await testSettings()), ...everyFeature, ...overrides });
  return result instanceof ConfigError ? result.settings : [];
}

describe('URL settings', () => {
  it.each([...origins, ...pathUrls])('%s refuses what is not an http(s) URL', async (setting) => {
    for (const value of ['not a url', 'ftp://files.example.com', 'javascript:alert(1)']) {
      expect(await problemsWith({ [setting]: value }), `${setting}=${value}`).toContain(setting);
    }
  });

  it.each(origins)('%s must be an origin: no path, query, credentials or wildcard', async (setting) => {
    for (const value of [
      'https://x.example.com/path',
      'https://x.example.com/?q=1',
      'https://u:p@x.example.com',
      'https://*.example.com',
    ]) {
      expect(await problemsWith({ [setting]: value }), `${setting}=${value}`).toContain(setting);
    }
    expect(await problemsWith({ [setting]: 'https://x.example.com/' })).toEqual([]);
  });

  it.each(pathUrls)('%s may have a path', async (setting) => {
    expect(await problemsWith({ [setting]: 'https://x.example.com/some/path' })).toEqual([]);
  });

  it.each([...origins, ...pathUrls])('%s must use https in production', async (setting) => {
    expect(await problemsWith(PRODUCTION_SETTINGS)).toEqual([]);
    expect(await problemsWith({ ...PRODUCTION_SETTINGS, [setting]: 'http://x.example.com' })).toContain(setting);
  });

  it('says what is wrong and what would be right, never more than once per setting', async () => {
    expect(await detailsWith({ APP_URL: 'https://app.example.com/app' })).toEqual([
      'APP_URL must be an origin such as https://app.example.com (no path)',
    ]);
    expect(await detailsWith({ GOOGLE_TOKEN_URL: 'ftp://x' })).toEqual([
      'GOOGLE_TOKEN_URL must be a URL such as https://oauth2.googleapis.com/token',
    ]);
    expect(await detailsWith({ OIDC_ISSUER: 'nope' })).toEqual([
      'OIDC_ISSUER must be a URL such as https://auth.example.com/realms/app',
    ]);
    expect(await detailsWith({ APP_URL: '', API_URL: '' })).toEqual(['APP_URL is required', 'API_URL is required']);
  });
});
