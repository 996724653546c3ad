// Tests run inside workerd through the real Worker, with real local D1 migrated by test/setup.ts.
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { testSettings } from './test/settings.ts';

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // Every setting is pinned here, so a developer's .dev.vars never changes a test's outcome.
        bindings: {
          ...(await testSettings()),
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          // Local fakes started by test/global-setup.ts.
          TEST_RESEND_FAKE_URL: inject('resendFakeUrl'),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // The one-line-per-request logs would drown the output (SHOW_REQUEST_LOGS=1 shows them); tests that care spy on them.
    onConsoleLog: (log) => Boolean(process.env.SHOW_REQUEST_LOGS) || !log.includes('"msg":"request"'),
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
