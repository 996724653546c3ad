// `npm run keys [-- --alg EdDSA]`: prints a new JWK Set for the JWT_SIGNING_KEYS secret.
// `npm run keys -- --mfa`: prints a new key for the MFA_ENCRYPTION_KEYS secret.
import { parseArgs } from 'node:util';
import { generateMfaEncryptionKey } from './lib/mfa-keys.mjs';
import { SUPPORTED_ALGORITHMS, generateSigningKeySet } from './lib/signing-keys.mjs';

const usage =
  'Usage: npm run keys [-- --alg ES256|EdDSA]   (JWT_SIGNING_KEYS)\n       npm run keys -- --mfa   (MFA_ENCRYPTION_KEYS)';
let values;
try {
  ({ values } = parseArgs({
    options: {
      alg: { type: 'string', default: 'ES256' },
      mfa: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.mfa) {
  process.stdout.write(`${generateMfaEncryptionKey()}\n`);
  console.error(
    [
      '',
      'A new key for sealing authenticator-app secrets (keep it secret). To use it in production:',
      '  npx wrangler secret put MFA_ENCRYPTION_KEYS   (paste the line above)',
      'To rotate, put the new key first, comma-separated, and keep the old one after it (new,old):',
      'every key opens, the first seals. See README "Second factors".',
    ].join('\n'),
  );
  process.exit(0);
}
if (!SUPPORTED_ALGORITHMS.includes(values.alg)) {
  console.error(`--alg must be one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
  process.exit(2);
}
const keySet = await generateSigningKeySet(values.alg);
process.stdout.write(`${JSON.stringify(keySet)}\n`);
console.error(
  [
    '',
    `A new ${values.alg} signing key set (private keys: keep it secret). To use it in production:`,
    '  npx wrangler secret put JWT_SIGNING_KEYS   (paste the line above)',
    'To rotate, put the new key first and keep the old one after it until access tokens signed',
    'with it have expired (ACCESS_TOKEN_TTL), then remove it. See README "Key rotation".',
  ].join('\n'),
);
