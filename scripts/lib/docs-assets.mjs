// The API reference's static files (GET /api/docs is the Worker's HTML shell that loads them): Swagger
// UI from node_modules (swagger-ui-dist, pinned in package.json), our initializer compiled from
// src/docs-ui/browser/init.ts, and src/docs-ui/_headers (their response headers). They are served by
// Workers static assets (wrangler.toml `[assets]`), not by the Worker, so they never reach its
// start-up bundle. The directory is outside dist/: wrangler's `find_additional_modules` would upload
// .js files found under dist/ as Worker modules. Run by scripts/build.mjs (so by `wrangler dev` and
// `wrangler deploy`) and by the workers test project (vitest.config.ts), which needs the directory.
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBrowserScript } from './browser-script.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The assets directory wrangler.toml names (git-ignored, generated). */
export const DOCS_ASSETS_DIR = join(root, 'dist-assets');
/** Where the files are served; no API route lives under it (test/e2e/api-docs.test.ts checks). */
export const DOCS_ASSETS_PATH = '/api/docs/ui';

const swaggerUi = join(root, 'node_modules/swagger-ui-dist');
const SWAGGER_UI_FILES = [
  'swagger-ui-bundle.js',
  // The bundle's first line points here for the licences of the code bundled into it.
  'swagger-ui-bundle.js.LICENSE.txt',
  'swagger-ui.css',
  // The few page-level rules (box-sizing, body margin) Swagger UI's own index.html uses.
  'index.css',
  // Apache-2.0 asks redistributors to pass on the licence and NOTICE.
  'LICENSE',
  'NOTICE',
];
// Binary files, copied as they are; without an icon, browsers ask for /favicon.ico (a 404).
const SWAGGER_UI_BINARY_FILES = ['favicon-32x32.png'];

/** Relative path in the assets directory → content. */
async function docsAssetFiles() {
  const prefix = DOCS_ASSETS_PATH.slice(1);
  const files = new Map([['_headers', readFileSync(join(root, 'src/docs-ui/_headers'))]]);
  for (const name of SWAGGER_UI_FILES) {
    // The source maps are not copied (megabytes nobody asked for), so no file names them.
    const content = readFileSync(join(swaggerUi, name), 'utf8').replace(
      /\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/,
      '\n',
    );
    // LICENSE and NOTICE have no extension, which the asset server needs for a Content-Type.
    files.set(`${prefix}/${/^[A-Z]+$/.test(name) ? `${name}.txt` : name}`, Buffer.from(content));
  }
  for (const name of SWAGGER_UI_BINARY_FILES) files.set(`${prefix}/${name}`, readFileSync(join(swaggerUi, name)));
  const init = await compileBrowserScript('src/docs-ui/browser/init.ts');
  files.set(`${prefix}/init.js`, Buffer.from(init.code));
  return files;
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/**
 * Writes the files into DOCS_ASSETS_DIR. A file is rewritten only when its content changed, and then
 * atomically (a temporary file renamed over it): `wrangler dev` reloads on any change there, and a
 * test run elsewhere may be serving the directory while another build writes it.
 */
export async function buildDocsAssets(dir = DOCS_ASSETS_DIR) {
  const files = await docsAssetFiles();
  for (const [path, content] of files) {
    const target = join(dir, path);
    if (existsSync(target) && readFileSync(target).equals(content)) continue;
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, content);
    renameSync(temporary, target);
  }
  // Nothing stale stays to be served (a file a newer Swagger UI no longer ships, say); another
  // build's temporary files are its own.
  for (const path of listFiles(dir)) {
    if (!files.has(path) && !path.endsWith('.tmp')) rmSync(join(dir, path));
  }
  return { dir, files: [...files.keys()] };
}
