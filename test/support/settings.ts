// The settings every test starts from: every setting pinned, optional ones explicitly unset.
import { SETTING_NAMES, type SettingName } from '../../src/config.ts';
import { generateMfaEncryptionKey } from '../../scripts/lib/mfa-keys.mjs';
import { generateSigningKeySet } from '../../scripts/lib/signing-keys.mjs';

export const TEST_APP_URL = 'http://app.test';
export const TEST_API_URL = 'http://api.test';
export const TEST_OTHER_ALLOWED_ORIGIN = 'http://localhost:3000';

/** What production requires on top of the test settings: https origins and a real email provider. */
export const PRODUCTION_SETTINGS = {
  APP_ENV: 'production',
  APP_URL: 'https://app.example.com',
  API_URL: 'https://api.example.com',
  CORS_ORIGINS: 'https://app.example.com',
  EMAIL_PROVIDER: 'resend',
  RESEND_API_KEY: 're_test_key',
  EMAIL_FROM: 'Example <no-reply@example.com>',
};

export async function testSettings(): Promise<Record<SettingName, string>> {
  const unset = Object.fromEntries(SETTING_NAMES.map((name) => [name, ''])) as Record<SettingName, string>;
  return {
    ...unset,
    APP_ENV: 'test',
    APP_URL: TEST_APP_URL,
    API_URL: TEST_API_URL,
    CORS_ORIGINS: `${TEST_APP_URL},${TEST_OTHER_ALLOWED_ORIGIN}`,
    JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
    EMAIL_PROVIDER: 'log',
    MFA_ENCRYPTION_KEYS: generateMfaEncryptionKey(),
  };
}
