// Test-only typing: the migrations binding from vitest.config.ts, and the main module for `exports`.
import type { D1Migration } from '@cloudflare/vitest-pool-workers';

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      TEST_RESEND_FAKE_URL: string;
      TEST_GOOGLE_FAKE_URL: string;
      TEST_GITHUB_FAKE_URL: string;
      TEST_OIDC_ISSUER: string;
      TEST_STRIPE_FAKE_URL: string;
      TEST_OIDCP_ISSUER: string;
      TEST_OIDCP_PAR_ISSUER: string;
      TEST_OIDCP_CLAIMS_ISSUER: string;
      TEST_OIDCP_SLASH_ISSUER: string;
      TEST_OIDCP_CONTROL_URL: string;
    }
    interface GlobalProps {
      mainModule: typeof import('../../src/index');
    }
  }
}
