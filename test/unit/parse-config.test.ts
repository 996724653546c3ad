// parseConfig as a pure function: defaults, normalisation and the test settings' coverage.
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTING_NAMES, parseConfig, type Config } from '../../src/config';
import { testSettings } from '../support/settings';

async function parse(overrides: Record<string, string> = {}): Promise<Config> {
  const result = parseConfig({ ...(await testSettings()), ...overrides });
  if (result instanceof ConfigError) throw result;
  return result;
}

describe('parseConfig', () => {
  // The test settings start from every name in SETTING_NAMES (derived from the schema), so they pin
  // every setting; this catches the other way round, a misspelt override that would silently not apply.
  it('gives tests no setting the schema does not read', async () => {
    expect(Object.keys(await testSettings()).filter((name) => !(SETTING_NAMES as string[]).includes(name))).toEqual([]);
  });

  it('applies the contract defaults', async () => {
    const config = await parse();
    expect(config.accessTokenTtl).toBe(900);
    expect(config.refreshTokenTtl).toBe(2_592_000);
    expect(config.stripe).toBeNull();
    expect(config.google).toBeNull();
    expect(config.github).toBeNull();
    expect(config.oidc).toBeNull();
    expect(config.email).toEqual({
      provider: 'log',
      from: 'Liftoff <no-reply@localhost>',
      resendApiKey: null,
      resendApiUrl: 'https://api.resend.com',
    });
  });

  it('normalises origins and lists', async () => {
    const config = await parse({
      APP_URL: 'HTTPS://App.Example.com/',
      CORS_ORIGINS: ' https://a.example.com/ , https://a.example.com,http://localhost:3000 ',
      ADMIN_EMAILS: 'Boss@Example.com, ops@example.com',
    });
    expect(config.appUrl).toBe('https://app.example.com');
    expect(config.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:3000']);
    expect(config.adminEmails).toEqual(['boss@example.com', 'ops@example.com']);
  });

  it('defaults CORS_ORIGINS to APP_URL', async () => {
    const config = await parse({ CORS_ORIGINS: '' });
    expect(config.corsOrigins).toEqual([config.appUrl]);
  });

  it('turns an OAuth provider on only with both its id and secret', async () => {
    expect((await parse({ GOOGLE_CLIENT_ID: 'id' })).google).toBeNull();
    expect((await parse({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's' })).google).toEqual({
      clientId: 'id',
      clientSecret: 's',
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
      issuer: 'https://accounts.google.com',
    });
    expect(
      (await parse({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 's', GITHUB_API_URL: 'http://127.0.0.1:9/' })).github
        ?.apiUrl,
    ).toBe('http://127.0.0.1:9');
    const oidc = await parse({
      OIDC_ISSUER: 'http://127.0.0.1:9000/realms/x',
      OIDC_CLIENT_ID: 'c',
      OIDC_CLIENT_SECRET: 's',
    });
    expect(oidc.oidc).toMatchObject({ issuer: 'http://127.0.0.1:9000/realms/x', tokenAuthMethod: null });
    const forced = await parse({
      OIDC_ISSUER: 'http://127.0.0.1:9000/realms/x',
      OIDC_CLIENT_ID: 'c',
      OIDC_CLIENT_SECRET: 's',
      OIDC_TOKEN_AUTH_METHOD: 'client_secret_post',
    });
    expect(forced.oidc?.tokenAuthMethod).toBe('client_secret_post');
    const wrong = parseConfig({ ...(await testSettings()), OIDC_TOKEN_AUTH_METHOD: 'private_key_jwt' });
    expect((wrong as ConfigError).details).toEqual([
      'OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post',
    ]);
  });

  it('infers each signing key algorithm from its curve', async () => {
    const config = await parse();
    expect(config.jwt.kind).toBe('asymmetric');
    if (config.jwt.kind === 'asymmetric') expect(config.jwt.keys[0]?.alg).toBe('ES256');
  });

  it('reads Stripe settings as one group', async () => {
    const config = await parse({
      STRIPE_SECRET_KEY: 'sk_test_1',
      STRIPE_WEBHOOK_SECRET: 'whsec_1',
      STRIPE_PRICE_IDS: 'price_a, price_b',
      STRIPE_SEAT_PRICE_IDS: 'price_b',
      STRIPE_API_URL: 'http://127.0.0.1:12111',
    });
    expect(config.stripe).toEqual({
      secretKey: 'sk_test_1',
      webhookSecret: 'whsec_1',
      priceIds: ['price_a', 'price_b'],
      seatPriceIds: ['price_b'],
      apiUrl: 'http://127.0.0.1:12111',
    });
  });

  it("names npm's banner when JWT_SIGNING_KEYS was stored from `npm run keys` without --silent", async () => {
    const { JWT_SIGNING_KEYS: keys } = await testSettings();
    const piped = `\n> liftoff@0.1.0 keys\n> node scripts/generate-keys.mjs\n\n${keys}\n`;
    const result = parseConfig({ ...(await testSettings()), JWT_SIGNING_KEYS: piped });
    expect(result).toBeInstanceOf(ConfigError);
    expect((result as ConfigError).details.join()).toContain('npm run --silent keys');
  });

  it('reads the retention settings in days, with defaults, and keeps the Stripe ledger past 30 days', async () => {
    expect(await parse()).toMatchObject({
      auditRetentionDays: 365,
      auditArchiveAfterDays: 30,
      stripeEventRetentionDays: 90,
    });
    // The archive never holds entries the retention has dropped: it waits at most that long.
    expect(await parse({ AUDIT_RETENTION_DAYS: '7' })).toMatchObject({
      auditRetentionDays: 7,
      auditArchiveAfterDays: 7,
    });
    expect(await parse({ AUDIT_ARCHIVE_AFTER_DAYS: '90' })).toMatchObject({ auditArchiveAfterDays: 90 });
    expect(await parse({ AUDIT_RETENTION_DAYS: '30', STRIPE_EVENT_RETENTION_DAYS: '35' })).toMatchObject({
      auditRetentionDays: 30,
      stripeEventRetentionDays: 35,
    });
    const details = async (overrides: Record<string, string>) =>
      (parseConfig({ ...(await testSettings()), ...overrides }) as ConfigError).details;
    expect(await details({ AUDIT_RETENTION_DAYS: 'a year' })).toEqual([
      'AUDIT_RETENTION_DAYS must be a whole number of days',
    ]);
    expect(await details({ AUDIT_RETENTION_DAYS: '0', STRIPE_EVENT_RETENTION_DAYS: '30' })).toEqual([
      'AUDIT_RETENTION_DAYS must be between 1 and 36500 days',
      'STRIPE_EVENT_RETENTION_DAYS must be between 35 and 36500 days (Stripe can deliver an event for 30 days)',
    ]);
    expect(await details({ AUDIT_RETENTION_DAYS: '10', AUDIT_ARCHIVE_AFTER_DAYS: '11' })).toEqual([
      'AUDIT_ARCHIVE_AFTER_DAYS must be between 1 and AUDIT_RETENTION_DAYS',
    ]);
    expect(await details({ AUDIT_ARCHIVE_AFTER_DAYS: '0' })).toEqual([
      'AUDIT_ARCHIVE_AFTER_DAYS must be between 1 and AUDIT_RETENTION_DAYS',
    ]);
  });

  it('returns a ConfigError listing each culprit once', async () => {
    const result = parseConfig({ ...(await testSettings()), APP_URL: 'x', CORS_ORIGINS: '*,*' });
    expect(result).toBeInstanceOf(ConfigError);
    expect((result as ConfigError).settings).toEqual(['APP_URL', 'CORS_ORIGINS']);
  });
});

describe('documentation of the settings', () => {
  it('lists every setting in .dev.vars.example and the README', async () => {
    const { default: example } = await import('../../.dev.vars.example?raw');
    const { default: readme } = await import('../../README.md?raw');
    for (const name of SETTING_NAMES) {
      expect(example, name).toMatch(new RegExp(`^${name}=`, 'm'));
      expect(readme, name).toContain(`\`${name}`);
    }
  });
});
