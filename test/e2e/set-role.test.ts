// `npm run set-role`: the operator's command, run as documented against a local D1 that wrangler migrated.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const persistDir = mkdtempSync(join(tmpdir(), 'liftoff-set-role-'));
let mf: Miniflare;

const setRole = (...args: string[]) =>
  spawnSync('node', ['scripts/set-role.mjs', ...args, '--persist-to', persistDir], { cwd: root, encoding: 'utf8' });

/** The database wrangler keeps under --persist-to (its id is wrangler.toml's database_id). */
async function database() {
  mf ??= new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null, { status: 404 }) } }',
    d1Databases: { DB: '00000000-0000-0000-0000-000000000000' },
    d1Persist: join(persistDir, 'v3', 'd1'),
  });
  return mf.getD1Database('DB');
}

beforeAll(async () => {
  const migrate = spawnSync(
    'npx',
    ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    },
  );
  expect(migrate.status, migrate.stderr).toBe(0);
  const db = await database();
  await db
    .prepare(
      "INSERT INTO users (id, email, role, email_verified_at, created_at, updated_at) VALUES ('u-ops', 'o''neil@example.com', 'user', 1, 1, 1)",
    )
    .run();
  // Release the files before wrangler opens them.
  await mf.dispose();
  mf = undefined as unknown as Miniflare;
});

afterAll(async () => {
  await mf?.dispose();
  rmSync(persistDir, { recursive: true, force: true });
});

describe('npm run set-role', () => {
  it('promotes an account by email (any case), pins the role and audits it once', async () => {
    const run = setRole("O'Neil@Example.com", 'admin');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("o'neil@example.com (u-ops) is now admin");
    const db = await database();
    const user = await db.prepare("SELECT role FROM users WHERE id = 'u-ops'").first<{ role: string }>();
    expect(user?.role).toBe('admin');
    const pin = await db
      .prepare("SELECT role, pinned_at FROM role_pins WHERE email = 'o''neil@example.com'")
      .first<{ role: string; pinned_at: number }>();
    expect(pin?.role).toBe('admin');
    expect(pin?.pinned_at).toBeGreaterThan(0);
    const audit = await db
      .prepare("SELECT actor_id, metadata FROM audit_log WHERE user_id = 'u-ops' AND action = 'admin.role_changed'")
      .all();
    expect(audit.results).toEqual([{ actor_id: null, metadata: JSON.stringify({ role: 'admin', by: 'operator' }) }]);
    await mf.dispose();
    mf = undefined as unknown as Miniflare;
  });

  it('fails clearly for an unknown account or bad arguments, changing nothing', () => {
    const unknown = setRole('nobody@example.com', 'admin');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no account with the email nobody@example.com');
    const badRole = setRole('nobody@example.com', 'root');
    expect(badRole.status).toBe(1);
    expect(badRole.stderr).toContain('the role is admin or user');
  });
});
