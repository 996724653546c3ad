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
