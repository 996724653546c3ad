// The esbuild settings every Worker bundle shares: Liftoff's build (scripts/build.mjs) and the
// bench's baseline Worker, so the two differ only in their code.
export const workerBundleOptions = {
  bundle: true,
  format: 'esm',
  // As wrangler bundles: workerd's package conditions and its V8.
  conditions: ['workerd', 'worker', 'browser'],
  target: 'es2024',
  // Provided by workerd (nodejs_compat) at run time.
  external: ['node:*', 'cloudflare:*'],
  define: { 'process.env.NODE_ENV': '"production"' },
  minify: true,
  logLevel: 'warning',
};

/**
 * Leaves out zod's ~60 translations of its error messages (38 KiB gzip): zod's core re-exports them
 * all, so no bundler can drop them by itself. Liftoff's messages are English (`z.config`'s default,
 * which zod loads directly, not through that index).
 */
export const withoutZodTranslations = {
  name: 'without-zod-translations',
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export {};',
      loader: 'js',
    }));
  },
};
