// `npm run set-role -- <email> <admin|user> [--remote]`: an operator sets an account's role in D1
// directly (the first admin of a deployment, or a fix without the admin API). Like an admin's
// change it pins the role for the address (role_pins: ADMIN_EMAILS no longer changes it) and
// writes an `admin.role_changed` audit entry, in one statement batch. Local D1 by default; --remote for the deployed database.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const USAGE = 'usage: npm run set-role -- <email> <admin|user> [--remote] [--persist-to <dir>]';
const root = fileURLToPath(new URL('..', import.meta.url));

function fail(message) {
  console.error(`set-role: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
const flags = [];
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--remote') flags.push('--remote');
  else if (args[i] === '--persist-to' && args[i + 1]) flags.push('--persist-to', args[++i]);
  else if (args[i].startsWith('--')) fail(`unknown option ${args[i]}\n${USAGE}`);
  else positional.push(args[i]);
}
if (positional.length !== 2) fail(USAGE);
const email = positional[0].trim().toLowerCase();
const role = positional[1];
if (!/^[^\s@]+@[^\s@]+$/.test(email)) fail(`not an email address: ${positional[0]}`);
if (role !== 'admin' && role !== 'user') fail(`the role is admin or user, not ${role}`);
if (!flags.includes('--remote')) flags.push('--local');

// SQL string literals: the address is the only outside text, and single quotes are doubled.
const quoted = (text) => `'${text.replaceAll("'", "''")}'`;
const now = Date.now();
const auditId = [...randomBytes(24)]
  .map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b & 31])
  .join('')
  .slice(0, 24);
const metadata = JSON.stringify({ role, by: 'operator' });
// The audit entry is written first, under the same condition as the change, so it exists only if the role changes.
const sql = [
  `INSERT INTO audit_log (id, user_id, action, metadata, created_at)
     SELECT ${quoted(auditId)}, id, 'admin.role_changed', ${quoted(metadata)}, ${now} FROM users
     WHERE email = ${quoted(email)} AND role != ${quoted(role)};`,
  // The pin names the role asked for and comes before the change: whatever runs in between, the
  // address ends up pinned to it.
  `INSERT INTO role_pins (email, role, pinned_at) SELECT email, ${quoted(role)}, ${now} FROM users WHERE email = ${quoted(email)}
     ON CONFLICT (email) DO UPDATE SET role = excluded.role, pinned_at = excluded.pinned_at;`,
  `UPDATE users SET role = ${quoted(role)}, updated_at = ${now} WHERE email = ${quoted(email)};`,
  `SELECT id, email, role, email_verified_at IS NOT NULL AS email_verified, disabled_at IS NOT NULL AS disabled
     FROM users WHERE email = ${quoted(email)};`,
].join('\n');

const run = spawnSync('npx', ['wrangler', 'd1', 'execute', 'DB', ...flags, '--json', '--command', sql], {
  cwd: root,
  encoding: 'utf8',
  // wrangler asks before touching a remote database unless it sees a non-interactive (CI) run.
  env: { ...process.env, CI: 'true' },
});
if (run.status !== 0) fail(`wrangler d1 execute failed:\n${run.stderr || run.stdout}`);
const results = JSON.parse(run.stdout);
const user = results.at(-1)?.results?.[0];
if (!user) fail(`no account with the email ${email}`);
console.log(
  `set-role: ${user.email} (${user.id}) is now ${user.role}${user.email_verified ? '' : ' (email not verified)'}${user.disabled ? ' (disabled)' : ''}`,
);
