// The Worker's build (wrangler.toml `[build] command`, so `wrangler dev` and `wrangler deploy` run it):
// esbuild with wrangler's own settings, plus three things wrangler's bundler cannot do:
//  - code splitting, so code needed by few requests (the Stripe SDK, the common-password list, the
//    admin page's script) is a separate module loaded by `import()` on first use instead of being
//    parsed at every start-up;
//  - leaving out zod's ~60 translations of its error messages (withoutZodTranslations);
//  - compiling the browser code (`?browser` imports) to the JavaScript the Worker serves.
// It also writes the API reference's static files into dist-assets/ (scripts/lib/docs-assets.mjs).
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { esbuildBrowserScripts } from './lib/browser-script.mjs';
import { buildDocsAssets } from './lib/docs-assets.mjs';
import { withoutZodTranslations, workerBundleOptions } from './lib/worker-esbuild.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;

// A stale chunk left in dist/ would be uploaded too (wrangler.toml uploads every file in dist/chunks/).
rmSync(outdir, { recursive: true, force: true });

await esbuild.build({
  ...workerBundleOptions,
  absWorkingDir: root,
  entryPoints: ['src/index.ts'],
  outdir,
  splitting: true,
  // Uploaded with the Worker (upload_source_maps), so production stack traces name the TypeScript lines.
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [withoutZodTranslations, esbuildBrowserScripts],
});
await buildDocsAssets();
