// Builds the production bundle and runs it in workerd through Miniflare with a migrated local D1:
// shared by the benchmark and the browser tests (no `wrangler dev` proxy in between).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';

const root = new URL('../..', import.meta.url).pathname;

/** `wrangler deploy --dry-run`: the exact modules a deploy would upload (built by scripts/build.mjs). */
export function buildBundle(): { outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'liftoff-bundle-'));
  const result = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    cwd: root,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`wrangler build failed:\n${result.stderr}`);
  return { outdir };
}

export function compatibility() {
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  return {
    date: /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)![1]!,
    flags: JSON.parse(/^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(toml)![1]!) as string[],
  };
}

/** wrangler.toml's `[assets]` settings (`html_handling = "none"`). */
const ASSET_CONFIG = { html_handling: 'none' as const };

/**
 * Runs the bundle with these bindings. `port` fixes the address (API_URL must match it); `persistDir`
 * keeps D1 on disk, so `restartWith` can change the settings (say, rotate keys) and keep the data.
 * `assetsDir` puts the asset server in front of the Worker as a deploy does (wrangler.toml `[assets]`,
 * with its `_headers` file): the build's dist-assets/ (DOCS_ASSETS_DIR), the API reference's files.
 * `r2Buckets` binds in-memory R2 buckets under these names (bench:scale binds AUDIT_ARCHIVE).
 */
export async function startLocalWorker(
  bundleDir: string,
  bindings: Record<string, string>,
  options: {
    port?: number;
    persistDir?: string;
    inspectorPort?: number;
    assetsDir?: string;
    r2Buckets?: string[];
  } = {},
) {
  const { date, flags } = compatibility();
  const { port, persistDir, inspectorPort, assetsDir, r2Buckets } = options;
  const workerOptions = (current: Record<string, string>) => ({
    modules: true as const,
    scriptPath: join(bundleDir, 'index.js'),
    modulesRoot: bundleDir,
    // The build's chunks are ES modules too (Miniflare would read other .js files as CommonJS).
    modulesRules: [{ type: 'ESModule' as const, include: ['**/*.js'] }],
    compatibilityDate: date,
    compatibilityFlags: flags,
    d1Databases: ['DB'],
    ...(r2Buckets ? { r2Buckets } : {}),
    ...(assetsDir
      ? { assets: { directory: assetsDir, routerConfig: { has_user_worker: true }, assetConfig: ASSET_CONFIG } }
      : {}),
    ...(persistDir ? { d1Persist: persistDir } : {}),
    ...(port ? { port, host: '127.0.0.1' } : {}),
    // V8's inspector on this port (scripts/profile.ts records CPU profiles through it).
    ...(inspectorPort ? { inspectorPort } : {}),
    // The Worker's per-request log lines would drown the output.
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.resume();
      stderr.resume();
    },
    bindings: current,
  });
  const mf = new Miniflare(workerOptions(bindings));
  const url = await mf.ready;
  const db = await mf.getD1Database('DB');
  for (const file of readdirSync(join(root, 'migrations'))
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const statements = readFileSync(join(root, 'migrations', file), 'utf8')
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  return {
    mf,
    url,
    db,
    /** Same bundle and data, new settings (as a redeploy with changed secrets would do). */
    async restartWith(next: Record<string, string>) {
      await mf.setOptions(workerOptions(next));
      await mf.ready;
    },
  };
}
