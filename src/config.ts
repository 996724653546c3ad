// Every setting parsed and validated once; a bad one becomes 500 CONFIG_ERROR naming it.
import { z } from 'zod';
import { readSealingKeys, type SealingKeyMaterial } from './mfa/sealing-key-setting';

export type AppEnvironment = 'development' | 'test' | 'production';

/** A private signing key from JWT_SIGNING_KEYS, as a JWK, with its algorithm settled. */
export interface SigningJwk {
  kid: string;
  alg: 'ES256' | 'EdDSA';
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  x: string;
  y?: string;
  d: string;
}

export type JwtSettings = { kind: 'asymmetric'; keys: SigningJwk[] } | { kind: 'hmac'; secret: string };

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  priceIds: string[];
  /** The prices (among priceIds) billed per member of an organization: STRIPE_SEAT_PRICE_IDS. */
  seatPriceIds: string[];
  apiUrl: string | null;
}

export interface OAuthClientSettings {
  clientId: string;
  clientSecret: string;
}

/** Google: the real endpoints unless overridden (tests point them at a local fake). */
export interface GoogleSettings extends OAuthClientSettings {
  authorizationUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  issuer: string;
}

export interface GitHubSettings extends OAuthClientSettings {
  authorizationUrl: string;
  tokenUrl: string;
  apiUrl: string;
}

export interface Config {
  appEnv: AppEnvironment;
  appUrl: string;
  apiUrl: string;
  corsOrigins: string[];
  jwt: JwtSettings;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** Days the cron job keeps audit entries (AUDIT_RETENTION_DAYS), in D1 or in the archive. */
  auditRetentionDays: number;
  /** Days an audit entry stays in D1 before the cron job moves it to the AUDIT_ARCHIVE bucket, when bound. */
  auditArchiveAfterDays: number;
  /** Days the cron job keeps the Stripe event ledger (STRIPE_EVENT_RETENTION_DAYS). */
  stripeEventRetentionDays: number;
  adminEmails: string[];
  stripe: StripeSettings | null;
  google: GoogleSettings | null;
  github: GitHubSettings | null;
  oidc:
    | (OAuthClientSettings & {
        issuer: string;
        /** Forces the token endpoint's client authentication; else it follows discovery. */
        tokenAuthMethod: 'client_secret_basic' | 'client_secret_post' | null;
      })
    | null;
  email: { provider: 'log' | 'resend'; from: string; resendApiKey: string | null; resendApiUrl: string };
  /** The product's name: the issuer authenticator apps show (APP_NAME). */
  appName: string;
  /** The key ring sealing authenticator-app secrets (MFA_ENCRYPTION_KEYS); null: authenticator apps are off. */
  mfaEncryptionKeys: SealingKeyMaterial[] | null;
  /** Passkeys: the relying party id (WEBAUTHN_RP_ID) and the page origins ceremonies may come from (WEBAUTHN_ORIGINS). */
  webauthn: { rpId: string; origins: string[] };
  /**
   * API keys: the prefix every key starts with (API_KEY_PREFIX), and the requests per minute a key
   * may make unless it was given a lower limit (API_KEY_RATE_LIMIT).
   */
  apiKeys: { prefix: string; rateLimitPerMinute: number };
}

/** Thrown (and cached) when the settings are unusable; `settings` names the culprits. */
export class ConfigError extends Error {
  constructor(
    readonly settings: string[],
    readonly details: string[],
  ) {
    super(`Invalid settings: ${details.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const DEFAULT_ACCESS_TOKEN_TTL = 900;
const DEFAULT_AUDIT_RETENTION_DAYS = 365;
const DEFAULT_AUDIT_ARCHIVE_AFTER_DAYS = 30;
const DEFAULT_STRIPE_EVENT_RETENTION_DAYS = 90;
// Stripe keeps an event (and may deliver it, retried or resent by hand) for 30 days: its ledger row
// must outlive that, or a late redelivery would be applied twice.
const MIN_STRIPE_EVENT_RETENTION_DAYS = 35;
const DEFAULT_REFRESH_TOKEN_TTL = 2_592_000;
// Browsers cap cookie lifetimes at 400 days (RFC 6265bis), so a longer refresh TTL would lie.
const MAX_REFRESH_TOKEN_TTL = 400 * 86_400;
const MIN_HMAC_SECRET_BYTES = 32;
const DEFAULT_RESEND_API_URL = 'https://api.resend.com';
const DEFAULT_APP_NAME = 'Liftoff';
const DEFAULT_API_KEY_RATE_LIMIT = 600;
/**
 * An API key's prefix names the product and the environment: lower-case letters and digits, ending
 * in `_` (`acme_live_`). Lower-case first characters tell a key from a JWT (`eyJ…`) on sight.
 */
export const API_KEY_PREFIX = /^[a-z][a-z0-9]{0,9}_([a-z0-9]{1,10}_)?$/;
const MAX_API_KEY_RATE_LIMIT = 100_000;

/** Empty strings count as unset: a dashboard variable cleared to "" means "not configured". */
const optional = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const list = optional.transform((value) =>
  value === undefined
    ? []
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
);

const wholeNumberOf = (unit: string) =>
  optional.pipe(z.string().regex(/^\d+$/, `must be a whole number of ${unit}`).transform(Number).optional());
const seconds = wholeNumberOf('seconds');
const days = wholeNumberOf('days');

const rawSettingsSchema = z.object({
  APP_ENV: z.enum(['development', 'test', 'production'], {
    error: 'must be development, test or production',
  }),
  APP_URL: optional,
  API_URL: optional,
  CORS_ORIGINS: list,
  JWT_SIGNING_KEYS: optional,
  JWT_SECRET: optional,
  ACCESS_TOKEN_TTL: seconds,
  REFRESH_TOKEN_TTL: seconds,
  AUDIT_RETENTION_DAYS: days,
  AUDIT_ARCHIVE_AFTER_DAYS: days,
  STRIPE_EVENT_RETENTION_DAYS: days,
  ADMIN_EMAILS: list,
  STRIPE_SECRET_KEY: optional,
  STRIPE_WEBHOOK_SECRET: optional,
  STRIPE_PRICE_IDS: list,
  STRIPE_SEAT_PRICE_IDS: list,
  STRIPE_API_URL: optional,
  GOOGLE_CLIENT_ID: optional,
  GOOGLE_CLIENT_SECRET: optional,
  GITHUB_CLIENT_ID: optional,
  GITHUB_CLIENT_SECRET: optional,
  GOOGLE_AUTHORIZATION_URL: optional,
  GOOGLE_TOKEN_URL: optional,
  GOOGLE_JWKS_URL: optional,
  GOOGLE_ISSUER: optional,
  GITHUB_AUTHORIZATION_URL: optional,
  GITHUB_TOKEN_URL: optional,
  GITHUB_API_URL: optional,
  OIDC_ISSUER: optional,
  OIDC_CLIENT_ID: optional,
  OIDC_CLIENT_SECRET: optional,
  OIDC_TOKEN_AUTH_METHOD: optional.pipe(
    z
      .enum(['client_secret_basic', 'client_secret_post'], {
        error: 'must be client_secret_basic or client_secret_post',
      })
      .optional(),
  ),
  EMAIL_PROVIDER: optional,
  RESEND_API_KEY: optional,
  RESEND_API_URL: optional,
  EMAIL_FROM: optional,
  APP_NAME: optional,
  MFA_ENCRYPTION_KEYS: optional,
  WEBAUTHN_RP_ID: optional,
  WEBAUTHN_ORIGINS: list,
  API_KEY_PREFIX: optional,
  API_KEY_RATE_LIMIT: wholeNumberOf('requests per minute'),
});

type RawSettings = z.infer<typeof rawSettingsSchema>;

export type SettingName = keyof RawSettings;

/** Every setting name the schema reads; tests pin each one so a developer's `.dev.vars` can't leak in. */
export const SETTING_NAMES = Object.keys(rawSettingsSchema.shape) as SettingName[];

/** Collects problems per setting so one CONFIG_ERROR names all of them at once. */
class Problems {
  readonly settings: string[] = [];
  readonly details: string[] = [];
  add(setting: SettingName, detail: string): void {
    if (!this.settings.includes(setting)) this.settings.push(setting);
    this.details.push(`${setting} ${detail}`);
  }
}

const binaryEncoder = new TextEncoder();

// Parsed configs keyed by the bindings object: derived, immutable values, so caching them per
// isolate is safe and spares every request the JSON and URL parsing.
const parsedConfigs = new WeakMap<object, Config | ConfigError>();

/** Parses the Worker's bindings into a Config, once per bindings object; throws ConfigError. */
export function loadConfig(bindings: object): Config {
  let parsed = parsedConfigs.get(bindings);
  if (parsed === undefined) {
    parsed = parseConfig(bindings as Record<string, unknown>);
    parsedConfigs.set(bindings, parsed);
  }
  if (parsed instanceof ConfigError) throw parsed;
  return parsed;
}

export function parseConfig(bindings: Record<string, unknown>): Config | ConfigError {
  const problems = new Problems();
  const result = rawSettingsSchema.safeParse(bindings);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const setting = String(issue.path[0]) as SettingName;
      problems.add(setting, bindings[setting] === undefined ? 'is required' : issue.message);
    }
    return new ConfigError(problems.settings, problems.details);
  }
  const raw = result.data;
  const production = raw.APP_ENV === 'production';

  const origin = (example: string) => ({ kind: 'origin' as const, production, example, required: true });
  const appUrl = parseUrlSetting(raw, 'APP_URL', origin('https://app.example.com'), problems);
  const apiUrl = parseUrlSetting(raw, 'API_URL', origin('https://api.example.com'), problems);
  const corsOrigins = parseCorsOrigins(raw.CORS_ORIGINS, appUrl, production, problems);
  const jwt = parseJwtSettings(raw, problems);
  const accessTokenTtl = raw.ACCESS_TOKEN_TTL ?? DEFAULT_ACCESS_TOKEN_TTL;
  const refreshTokenTtl = raw.REFRESH_TOKEN_TTL ?? DEFAULT_REFRESH_TOKEN_TTL;
  if (accessTokenTtl < 60 || accessTokenTtl > 86_400) {
    problems.add('ACCESS_TOKEN_TTL', 'must be between 60 and 86400 seconds');
  }
  if (refreshTokenTtl <= accessTokenTtl || refreshTokenTtl > MAX_REFRESH_TOKEN_TTL) {
    problems.add(
      'REFRESH_TOKEN_TTL',
      `must be longer than ACCESS_TOKEN_TTL and at most ${MAX_REFRESH_TOKEN_TTL} seconds (400 days)`,
    );
  }
  const auditRetentionDays = raw.AUDIT_RETENTION_DAYS ?? DEFAULT_AUDIT_RETENTION_DAYS;
  if (auditRetentionDays < 1 || auditRetentionDays > 36_500) {
    problems.add('AUDIT_RETENTION_DAYS', 'must be between 1 and 36500 days');
  }
  const auditArchiveAfterDays =
    raw.AUDIT_ARCHIVE_AFTER_DAYS ?? Math.min(DEFAULT_AUDIT_ARCHIVE_AFTER_DAYS, auditRetentionDays);
  const retentionValid = !problems.settings.includes('AUDIT_RETENTION_DAYS');
  if (retentionValid && (auditArchiveAfterDays < 1 || auditArchiveAfterDays > auditRetentionDays)) {
    problems.add('AUDIT_ARCHIVE_AFTER_DAYS', 'must be between 1 and AUDIT_RETENTION_DAYS');
  }
  const stripeEventRetentionDays = raw.STRIPE_EVENT_RETENTION_DAYS ?? DEFAULT_STRIPE_EVENT_RETENTION_DAYS;
  if (stripeEventRetentionDays < MIN_STRIPE_EVENT_RETENTION_DAYS || stripeEventRetentionDays > 36_500) {
    problems.add(
      'STRIPE_EVENT_RETENTION_DAYS',
      `must be between ${MIN_STRIPE_EVENT_RETENTION_DAYS} and 36500 days (Stripe can deliver an event for 30 days)`,
    );
  }
  const adminEmails = raw.ADMIN_EMAILS.map((email) => email.toLowerCase());
  if (adminEmails.some((email) => !z.email().safeParse(email).success)) {
    problems.add('ADMIN_EMAILS', 'must be a comma-separated list of email addresses');
  }
  const stripe = parseStripeSettings(raw, production, problems);
  const google = parseGoogleSettings(raw, production, problems);
  const github = parseGitHubSettings(raw, production, problems);
  const oidc = parseOidcSettings(raw, production, problems);
  const email = parseEmailSettings(raw, production, problems);
  const appName = raw.APP_NAME ?? DEFAULT_APP_NAME;
  if (appName.length > 64 || appName.includes(':')) {
    // The issuer is the label's prefix in otpauth:// URIs, where a colon would split it.
    problems.add('APP_NAME', 'must be at most 64 characters, without a colon');
  }
  let mfaEncryptionKeys: SealingKeyMaterial[] | null = null;
  if (raw.MFA_ENCRYPTION_KEYS !== undefined) {
    const keys = readSealingKeys(raw.MFA_ENCRYPTION_KEYS);
    if (typeof keys === 'string') problems.add('MFA_ENCRYPTION_KEYS', `${keys}; \`npm run keys -- --mfa\` makes one`);
    else mfaEncryptionKeys = keys;
  }

  // Production keys and the others look different, so a test key pasted into production is refused on sight.
  const apiKeyPrefix = raw.API_KEY_PREFIX ?? (production ? 'lk_live_' : 'lk_test_');
  if (!API_KEY_PREFIX.test(apiKeyPrefix)) {
    problems.add(
      'API_KEY_PREFIX',
      'must be a letter and up to 9 more lower-case letters or digits, then "_", optionally followed by ' +
        'up to 10 lower-case letters or digits and "_" (such as acme_ or acme_live_)',
    );
  }
  const apiKeyRateLimit = raw.API_KEY_RATE_LIMIT ?? DEFAULT_API_KEY_RATE_LIMIT;
  if (apiKeyRateLimit < 1 || apiKeyRateLimit > MAX_API_KEY_RATE_LIMIT) {
    problems.add('API_KEY_RATE_LIMIT', `must be between 1 and ${MAX_API_KEY_RATE_LIMIT} requests per minute`);
  }

  const webauthn = appUrl ? parseWebAuthnSettings(raw, appUrl, production, problems) : null;

  if (problems.settings.length > 0 || !appUrl || !apiUrl || !jwt || !email || !webauthn) {
    return new ConfigError(problems.settings, problems.details);
  }
  return Object.freeze({
    appEnv: raw.APP_ENV,
    appUrl,
    apiUrl,
    corsOrigins,
    jwt,
    accessTokenTtl,
    refreshTokenTtl,
    auditRetentionDays,
    auditArchiveAfterDays,
    stripeEventRetentionDays,
    adminEmails,
    stripe,
    google,
    github,
    oidc,
    email,
    appName,
    mfaEncryptionKeys,
    webauthn,
    apiKeys: { prefix: apiKeyPrefix, rateLimitPerMinute: apiKeyRateLimit },
  });
}

/**
 * Passkeys are created and used on the front end's pages: by default the relying party is APP_URL's
 * host and APP_URL the one origin. Every origin must be on the relying party's domain (the browser
 * refuses otherwise, so a mismatch is caught here rather than at a user's first passkey).
 */
function parseWebAuthnSettings(
  raw: RawSettings,
  appUrl: string,
  production: boolean,
  problems: Problems,
): Config['webauthn'] | null {
  const rpId = (raw.WEBAUTHN_RP_ID ?? new URL(appUrl).hostname).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(rpId)) {
    problems.add('WEBAUTHN_RP_ID', 'must be a host name such as example.com (no scheme, port or path)');
    return null;
  }
  const origins: string[] = [];
  for (const value of raw.WEBAUTHN_ORIGINS.length > 0 ? raw.WEBAUTHN_ORIGINS : [appUrl]) {
    const checked = checkUrl(value, { kind: 'origin', production, example: 'https://app.example.com' });
    if ('problem' in checked) {
      problems.add('WEBAUTHN_ORIGINS', `has "${value}": ${checked.problem}`);
      return null;
    }
    const host = new URL(checked.url).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      problems.add('WEBAUTHN_ORIGINS', `has "${value}", which is not on WEBAUTHN_RP_ID's domain (${rpId})`);
      return null;
    }
    origins.push(checked.url);
  }
  return { rpId, origins };
}

interface UrlRule {
  /** An origin (`scheme://host[:port]`) is normalised; a URL (an endpoint, an issuer) may have a path and is kept as given. */
  kind: 'origin' | 'url';
  production: boolean;
  /** Shown in the problem, e.g. https://app.example.com. */
  example: string;
  /** Unset is a problem too (APP_URL, API_URL). */
  required?: boolean;
}

/** The one URL check behind every URL setting: http(s) only, https in production. Returns the URL or a problem. */
function checkUrl(value: string, rule: UrlRule): { url: string } | { problem: string } {
  const expected =
    rule.kind === 'url' ? `a URL such as ${rule.example}` : `an origin such as ${rule.example} (no path)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: `must be ${expected}` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `must be ${expected}` };
  if (rule.kind === 'origin') {
    const hasOnlyOrigin = url.pathname === '/' && url.search === '' && url.hash === '';
    // WHATWG URLs accept `*` in a host name; an origin list must not look like it has wildcards.
    if (!hasOnlyOrigin || url.username !== '' || url.password !== '' || url.hostname.includes('*')) {
      return { problem: `must be ${expected}` };
    }
  }
  if (rule.production && url.protocol !== 'https:') return { problem: 'must use https in production' };
  return { url: rule.kind === 'url' ? value : url.origin };
}

/** A URL setting, checked by `checkUrl`; null when unset or bad (a problem is recorded if it is bad, or unset and required). */
function parseUrlSetting(raw: RawSettings, setting: SettingName, rule: UrlRule, problems: Problems): string | null {
  const value = raw[setting];
  if (typeof value !== 'string') {
    if (rule.required) problems.add(setting, 'is required');
    return null;
  }
  const checked = checkUrl(value, rule);
  if ('problem' in checked) {
    problems.add(setting, checked.problem);
    return null;
  }
  return checked.url;
}

function parseCorsOrigins(values: string[], appUrl: string | null, production: boolean, problems: Problems): string[] {
  // Without CORS_ORIGINS the front end at APP_URL is the one allowed caller.
  if (values.length === 0) return appUrl ? [appUrl] : [];
  const origins: string[] = [];
  for (const value of values) {
    const checked = checkUrl(value, { kind: 'origin', production: false, example: 'https://app.example.com' });
    if ('problem' in checked) {
      problems.add('CORS_ORIGINS', `has "${value}", which is not an exact origin (credentials forbid wildcards)`);
    } else if (production && !checked.url.startsWith('https://')) {
      problems.add('CORS_ORIGINS', `has "${value}", but production allows https origins only`);
    } else {
      origins.push(checked.url);
    }
  }
  return [...new Set(origins)];
}

const ecPrivateJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  alg: z.literal('ES256').optional(),
  kid: z.string().min(1),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});

const okpPrivateJwk = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  alg: z.literal('EdDSA').optional(),
  kid: z.string().min(1),
  x: z.string().min(1),
  d: z.string().min(1),
});

const signingKeySet = z.object({
  keys: z.array(z.union([ecPrivateJwk, okpPrivateJwk])).min(1),
});

function parseJwtSettings(raw: RawSettings, problems: Problems): JwtSettings | null {
  if (raw.JWT_SIGNING_KEYS !== undefined && raw.JWT_SECRET !== undefined) {
    problems.add('JWT_SECRET', 'must not be set together with JWT_SIGNING_KEYS (pick one)');
    return null;
  }
  if (raw.JWT_SIGNING_KEYS !== undefined) {
    const keys = parseSigningKeys(raw.JWT_SIGNING_KEYS);
    if (typeof keys === 'string') {
      problems.add('JWT_SIGNING_KEYS', keys);
      return null;
    }
    return { kind: 'asymmetric', keys };
  }
  if (raw.JWT_SECRET !== undefined) {
    if (binaryEncoder.encode(raw.JWT_SECRET).byteLength < MIN_HMAC_SECRET_BYTES) {
      problems.add('JWT_SECRET', `must be at least ${MIN_HMAC_SECRET_BYTES} bytes`);
      return null;
    }
    return { kind: 'hmac', secret: raw.JWT_SECRET };
  }
  problems.add('JWT_SIGNING_KEYS', 'is required (or JWT_SECRET); `npm run keys` generates one');
  return null;
}

/** Returns the keys, or a sentence saying what is wrong (never echoing key material). */
function parseSigningKeys(value: string): SigningJwk[] | string {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    // `npm run keys | wrangler secret put` stores npm's "> liftoff@0.1.0 keys" lines before the JSON.
    if (value.trimStart().startsWith('>'))
      return "starts with npm's banner lines: store only the JSON (npm run --silent keys)";
    return 'must be a JSON JWK Set such as {"keys":[...]}';
  }
  const result = signingKeySet.safeParse(json);
  if (!result.success) {
    return 'must be a JWK Set of private ES256 (P-256) or EdDSA (Ed25519) keys, each with a kid';
  }
  const keys = result.data.keys.map((key): SigningJwk => ({ ...key, alg: key.kty === 'EC' ? 'ES256' : 'EdDSA' }));
  if (new Set(keys.map((key) => key.kid)).size !== keys.length) return 'has duplicate kid values';
  return keys;
}

function parseStripeSettings(raw: RawSettings, production: boolean, problems: Problems): StripeSettings | null {
  if (raw.STRIPE_SECRET_KEY === undefined) return null;
  if (raw.STRIPE_WEBHOOK_SECRET === undefined) {
    problems.add('STRIPE_WEBHOOK_SECRET', 'is required when STRIPE_SECRET_KEY is set');
  }
  if (raw.STRIPE_PRICE_IDS.length === 0) {
    problems.add('STRIPE_PRICE_IDS', 'is required when STRIPE_SECRET_KEY is set');
  }
  const apiUrl = parseUrlSetting(
    raw,
    'STRIPE_API_URL',
    { kind: 'origin', production, example: 'http://localhost:12111' },
    problems,
  );
  const notOffered = raw.STRIPE_SEAT_PRICE_IDS.filter((id) => !raw.STRIPE_PRICE_IDS.includes(id));
  if (notOffered.length > 0)
    problems.add('STRIPE_SEAT_PRICE_IDS', `must be among STRIPE_PRICE_IDS (${notOffered.join(', ')})`);
  if (raw.STRIPE_WEBHOOK_SECRET === undefined || raw.STRIPE_PRICE_IDS.length === 0) return null;
  return {
    secretKey: raw.STRIPE_SECRET_KEY,
    webhookSecret: raw.STRIPE_WEBHOOK_SECRET,
    priceIds: raw.STRIPE_PRICE_IDS,
    seatPriceIds: raw.STRIPE_SEAT_PRICE_IDS,
    apiUrl,
  };
}

/** A provider without both its id and secret is off. */
function parseClientPair(clientId: string | undefined, clientSecret: string | undefined): OAuthClientSettings | null {
  return clientId !== undefined && clientSecret !== undefined ? { clientId, clientSecret } : null;
}

/** An endpoint URL (path allowed), https only in production; the default when unset. */
function parseEndpoint(
  raw: RawSettings,
  setting: SettingName,
  fallback: string,
  production: boolean,
  problems: Problems,
): string {
  return parseUrlSetting(raw, setting, { kind: 'url', production, example: fallback }, problems) ?? fallback;
}

function parseGoogleSettings(raw: RawSettings, production: boolean, problems: Problems): GoogleSettings | null {
  const client = parseClientPair(raw.GOOGLE_CLIENT_ID, raw.GOOGLE_CLIENT_SECRET);
  if (!client) return null;
  return {
    ...client,
    authorizationUrl: parseEndpoint(
      raw,
      'GOOGLE_AUTHORIZATION_URL',
      'https://accounts.google.com/o/oauth2/v2/auth',
      production,
      problems,
    ),
    tokenUrl: parseEndpoint(raw, 'GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token', production, problems),
    jwksUrl: parseEndpoint(raw, 'GOOGLE_JWKS_URL', 'https://www.googleapis.com/oauth2/v3/certs', production, problems),
    // Compared with the ID token's `iss` as a string, not fetched: no URL rule applies.
    issuer: raw.GOOGLE_ISSUER ?? 'https://accounts.google.com',
  };
}

function parseGitHubSettings(raw: RawSettings, production: boolean, problems: Problems): GitHubSettings | null {
  const client = parseClientPair(raw.GITHUB_CLIENT_ID, raw.GITHUB_CLIENT_SECRET);
  if (!client) return null;
  return {
    ...client,
    authorizationUrl: parseEndpoint(
      raw,
      'GITHUB_AUTHORIZATION_URL',
      'https://github.com/login/oauth/authorize',
      production,
      problems,
    ),
    tokenUrl: parseEndpoint(
      raw,
      'GITHUB_TOKEN_URL',
      'https://github.com/login/oauth/access_token',
      production,
      problems,
    ),
    apiUrl: parseEndpoint(raw, 'GITHUB_API_URL', 'https://api.github.com', production, problems).replace(/\/+$/, ''),
  };
}

function parseOidcSettings(raw: RawSettings, production: boolean, problems: Problems): Config['oidc'] {
  const client = parseClientPair(raw.OIDC_CLIENT_ID, raw.OIDC_CLIENT_SECRET);
  if (raw.OIDC_ISSUER === undefined || client === null) return null;
  // Kept exactly as given (a path URL): ID tokens' `iss` must match it character for character.
  const issuer = parseUrlSetting(
    raw,
    'OIDC_ISSUER',
    { kind: 'url', production, example: 'https://auth.example.com/realms/app' },
    problems,
  );
  return issuer === null ? null : { ...client, issuer, tokenAuthMethod: raw.OIDC_TOKEN_AUTH_METHOD ?? null };
}

function parseEmailSettings(raw: RawSettings, production: boolean, problems: Problems): Config['email'] | null {
  const provider = raw.EMAIL_PROVIDER ?? (production ? undefined : 'log');
  if (provider === undefined) {
    problems.add('EMAIL_PROVIDER', 'is required in production (resend)');
    return null;
  }
  if (provider !== 'log' && provider !== 'resend') {
    problems.add('EMAIL_PROVIDER', 'must be resend or log');
    return null;
  }
  if (production && provider === 'log') {
    // The log provider only keeps emails in the outbox: in production users would get nothing.
    problems.add('EMAIL_PROVIDER', 'must be resend in production (log delivers nothing)');
    return null;
  }
  if (provider === 'resend' && raw.RESEND_API_KEY === undefined) {
    problems.add('RESEND_API_KEY', 'is required when EMAIL_PROVIDER is resend');
    return null;
  }
  const from = raw.EMAIL_FROM ?? (production ? undefined : 'Liftoff <no-reply@localhost>');
  if (from === undefined) {
    problems.add('EMAIL_FROM', 'is required in production');
    return null;
  }
  const resendApiUrl = parseUrlSetting(
    raw,
    'RESEND_API_URL',
    { kind: 'origin', production, example: 'http://127.0.0.1:8025' },
    problems,
  );
  if (raw.RESEND_API_URL !== undefined && resendApiUrl === null) return null;
  return {
    provider,
    from,
    resendApiKey: raw.RESEND_API_KEY ?? null,
    resendApiUrl: resendApiUrl ?? DEFAULT_RESEND_API_URL,
  };
}
