// Two test projects: `workers` runs inside workerd through the real Worker with real local D1
// (migrated by test/support/setup.ts); `e2e` runs the built Worker in workerd and drives it from outside: Chromium, other services' verifiers;
// `client` tests @liftoff/client in Node.
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { viteBrowserScripts } from './scripts/lib/browser-script.mjs';
import { testSettings } from './test/support/settings.ts';

export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // The Worker's JSON log lines would drown the output (SHOW_WORKER_LOGS=1 shows them); tests that care spy on them.
    onConsoleLog: (log) => Boolean(process.env.SHOW_WORKER_LOGS) || !log.startsWith('{"level":'),
    projects: [
      {
        plugins: [
          // `?browser` imports (the admin page's script), compiled as scripts/build.mjs compiles them.
          viteBrowserScripts(),
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            // The TypeScript source itself (wrangler.toml's `main` is the production build in dist/).
            main: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
            miniflare: {
              // Every setting is pinned here, so a developer's .dev.vars never changes a test's outcome.
              bindings: {
                ...(await testSettings()),
                TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
                // Local fakes started by test/support/global-setup.ts.
                TEST_RESEND_FAKE_URL: inject('resendFakeUrl'),
                TEST_GOOGLE_FAKE_URL: inject('googleFakeUrl'),
                TEST_GITHUB_FAKE_URL: inject('githubFakeUrl'),
                TEST_OIDC_ISSUER: inject('oidcIssuer'),
                TEST_STRIPE_FAKE_URL: inject('stripeFakeUrl'),
                // panva's oidc-provider (test/support/fakes/oidc-provider.ts).
                TEST_OIDCP_ISSUER: inject('oidcpIssuer'),
                TEST_OIDCP_PAR_ISSUER: inject('oidcpParIssuer'),
                TEST_OIDCP_CLAIMS_ISSUER: inject('oidcpClaimsIssuer'),
                TEST_OIDCP_SLASH_ISSUER: inject('oidcpSlashIssuer'),
                TEST_OIDCP_CONTROL_URL: inject('oidcpControlUrl'),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts'],
          // The rate-limit tests hash passwords dozens of times (scrypt, ~150 ms each): on a busy
          // two-core machine they need more than vitest's default 5 s.
          testTimeout: 30_000,
          exclude: ['test/e2e/**'],
          setupFiles: ['./test/support/setup.ts'],
          globalSetup: ['./test/support/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Browser steps wait on sign-ins that hash a password (~150 ms, more on a busy machine).
          expect: { poll: { timeout: 10_000 } },
        },
      },
      {
        // @liftoff/client (client/) in Node against a scripted fetch.
        test: { name: 'client', include: ['client/test/**/*.test.ts'], environment: 'node' },
      },
    ],
  },
});
