// Run by `npm run dev` (scripts/dev.mjs) before `wrangler dev`: creates .dev.vars if missing and migrates
// local D1 (its arguments, `--persist-to <dir>` when wrangler dev has one, reach the migration).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateMfaEncryptionKey } from './lib/mfa-keys.mjs';
import { generateSigningKeySet } from './lib/signing-keys.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const devVarsPath = `${root}.dev.vars`;
const examplePath = `${root}.dev.vars.example`;

if (existsSync(devVarsPath)) {
  const devVars = readFileSync(devVarsPath, 'utf8');
  // A .dev.vars from before second factors: add their key, change nothing else.
  if (/^MFA_ENCRYPTION_KEYS=/m.test(devVars)) {
    console.log('setup: .dev.vars exists, leaving it as it is');
  } else {
    const separator = devVars.endsWith('\n') || devVars === '' ? '' : '\n';
    writeFileSync(devVarsPath, `${devVars}${separator}MFA_ENCRYPTION_KEYS=${generateMfaEncryptionKey()}\n`);
    console.log('setup: added a freshly generated MFA_ENCRYPTION_KEYS to .dev.vars');
  }
} else {
  const keySet = await generateSigningKeySet('ES256');
  const example = readFileSync(examplePath, 'utf8');
  // Single quotes keep the JSON intact in the dotenv format wrangler reads.
  const devVars = example
    .replace(/^JWT_SIGNING_KEYS=.*$/m, `JWT_SIGNING_KEYS='${JSON.stringify(keySet)}'`)
    .replace(/^MFA_ENCRYPTION_KEYS=.*$/m, `MFA_ENCRYPTION_KEYS=${generateMfaEncryptionKey()}`);
  writeFileSync(devVarsPath, devVars, { mode: 0o600, flag: 'wx' });
  console.log('setup: created .dev.vars with a freshly generated ES256 signing key and MFA encryption key');
}

// The same local state `wrangler dev` will use (its --persist-to, when given).
const persistTo = process.argv.slice(2);
const migrate = spawnSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', ...persistTo], {
  cwd: root,
  stdio: 'inherit',
  // wrangler asks before applying migrations unless it sees a non-interactive (CI) run.
  env: { ...process.env, CI: 'true' },
});
if (migrate.status !== 0) {
  console.error('setup: applying the local D1 migrations failed');
  process.exit(migrate.status ?? 1);
}
