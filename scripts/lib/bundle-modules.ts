// Reads a built Worker (the modules `wrangler deploy --dry-run --outdir` writes) as workerd loads it:
// which modules are evaluated at start-up (the main module and its static imports) and which only
// when code calls `import()`. Shared by the benchmark and the bundle-budget test.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { init, parse } from 'es-module-lexer';

export interface BundleModule {
  /** Relative to the bundle directory, e.g. `chunks/stripe.esm.worker-XYZ.js`. */
  path: string;
  rawBytes: number;
  gzipBytes: number;
  evaluatedAtStartUp: boolean;
}

export interface BundleReport {
  modules: BundleModule[];
  startUp: { rawBytes: number; gzipBytes: number };
  total: { rawBytes: number; gzipBytes: number };
  /** The Stripe SDK's module(s): esbuild names a split chunk after its entry, `stripe.esm.worker`. */
  stripeModules: BundleModule[];
}

function listJs(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listJs(full, base);
    return entry.name.endsWith('.js') ? [relative(base, full)] : [];
  });
}

export async function readBundle(bundleDir: string, mainModule = 'index.js'): Promise<BundleReport> {
  await init;
  const startUp = new Set<string>();
  const visit = (path: string) => {
    if (startUp.has(path)) return;
    startUp.add(path);
    const [imports] = parse(readFileSync(join(bundleDir, path), 'utf8'), path);
    // d === -1: a static import or re-export, linked and evaluated before the importing module runs.
    for (const { n: specifier, d } of imports) {
      if (d === -1 && specifier?.startsWith('.')) visit(normalize(join(dirname(path), specifier)));
    }
  };
  visit(mainModule);

  const modules = listJs(bundleDir).map((path) => {
    const code = readFileSync(join(bundleDir, path));
    return {
      path,
      rawBytes: code.byteLength,
      gzipBytes: gzipSync(code).byteLength,
      evaluatedAtStartUp: startUp.has(path),
    };
  });
  const sum = (list: BundleModule[]) => ({
    rawBytes: list.reduce((n, m) => n + m.rawBytes, 0),
    gzipBytes: list.reduce((n, m) => n + m.gzipBytes, 0),
  });
  return {
    modules,
    startUp: sum(modules.filter((m) => m.evaluatedAtStartUp)),
    total: sum(modules),
    stripeModules: modules.filter((m) => /(^|\/)stripe[^/]*\.js$/.test(m.path)),
  };
}
