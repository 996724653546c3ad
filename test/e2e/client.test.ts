// @liftoff/client (client/) against the built Worker: its generated types equal what the current
// routes generate, and its runtime code stays small. (Its behaviour: client/test/.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, inject, it } from 'vitest';
import { CLIENT_TYPES_PATH, generateClientTypes } from '../../scripts/lib/client-types';
import { readOpenApiDocument } from '../../scripts/lib/openapi-document';

const root = new URL('../..', import.meta.url).pathname;
const RUNTIME_GZIP_BUDGET = 8 * 1024;

describe('@liftoff/client', () => {
  it('has the types the current OpenAPI document generates (run `npm run client:types` after changing a route)', async () => {
    const generated = await generateClientTypes(await readOpenApiDocument(inject('bundleDir')));
    expect(readFileSync(join(root, CLIENT_TYPES_PATH), 'utf8')).toBe(generated);
  });

  it('builds to modules that plain Node 20 loads (no bundler), and lets the process exit', () => {
    // Inside client/, so that Node resolves openapi-fetch from the workspace's node_modules.
    const outDir = mkdtempSync(join(root, 'client', '.dist-test-'));
    try {
      const tsc = spawnSync(
        join(root, 'node_modules/.bin/tsc'),
        ['-p', 'client/tsconfig.build.json', '--outDir', outDir],
        {
          cwd: root,
          encoding: 'utf8',
        },
      );
      expect(tsc.status, tsc.stdout).toBe(0);
      const script = `const { createLiftoffClient, LiftoffError } = await import(${JSON.stringify(join(outDir, 'index.js'))});
        const client = createLiftoffClient({ baseUrl: 'http://127.0.0.1:9' });
        console.log(JSON.stringify({ api: typeof client.api.GET, error: typeof LiftoffError, state: client.auth.state }));`;
      const node = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(node.status, node.stderr).toBe(0);
      expect(JSON.parse(node.stdout)).toEqual({
        api: 'function',
        error: 'function',
        state: { signedIn: false, user: null, organization: null },
      });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('ships at most 8 KiB gzip of runtime code, openapi-fetch included', async () => {
    // As a front end's bundler would include it: the package entry, bundled and minified.
    const result = await build({
      entryPoints: [join(root, 'client/src/index.ts')],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'warning',
    });
    const gzip = gzipSync(result.outputFiles[0]!.contents).byteLength;
    console.log(`@liftoff/client runtime: ${(gzip / 1024).toFixed(2)} KiB gzip`);
    expect(gzip).toBeLessThanOrEqual(RUNTIME_GZIP_BUDGET);
  });
});
