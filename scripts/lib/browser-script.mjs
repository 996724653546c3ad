// Browser code written in TypeScript (src/admin-ui/browser/), served by the Worker as text. Worker code
// imports `./browser/x.ts?browser` and gets the file compiled to one JavaScript module, as a string;
// the production build (scripts/build.mjs, so also `wrangler dev` and `wrangler deploy`) resolves that
// with the esbuild plugin below, the workers test project (vitest.config.ts) with the Vite plugin, and
// both call the same compileBrowserScript, so every entry point serves the same bytes.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const QUERY = '?browser';
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The file bundled and minified for the browsers the page supports, and the files it read. */
export async function compileBrowserScript(file) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [file],
    tsconfig: 'tsconfig.browser.json',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return {
    code: result.outputFiles[0].text,
    inputs: Object.keys(result.metafile.inputs).map((input) => resolve(root, input)),
  };
}

const asModule = (code) => `export default ${JSON.stringify(code)};`;

/** For esbuild: resolves `...?browser` imports to the compiled file's text. */
export const esbuildBrowserScripts = {
  name: 'browser-scripts',
  setup(build) {
    build.onResolve({ filter: /\?browser$/ }, async (args) => {
      const resolved = await build.resolve(args.path.slice(0, -QUERY.length), {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      // Relative, so the output (chunk hash, source map) does not depend on where the repository is.
      return { path: relative(root, resolved.path), namespace: 'browser-script' };
    });
    build.onLoad({ filter: /.*/, namespace: 'browser-script' }, async (args) => {
      const { code, inputs } = await compileBrowserScript(resolve(root, args.path));
      return { contents: asModule(code), loader: 'js', watchFiles: inputs };
    });
  },
};

/** For Vite (the workers test project): the same imports, the same compiler. */
export function viteBrowserScripts() {
  const prefix = '\0browser-script:';
  return {
    name: 'browser-scripts',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith(QUERY)) return null;
      const resolved = await this.resolve(source.slice(0, -QUERY.length), importer, { skipSelf: true });
      return resolved ? prefix + resolved.id : null;
    },
    async load(id) {
      if (!id.startsWith(prefix)) return null;
      const { code, inputs } = await compileBrowserScript(id.slice(prefix.length));
      for (const input of inputs) this.addWatchFile(input);
      return asModule(code);
    },
  };
}
