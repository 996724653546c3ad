// Applies the real migrations to the test D1 before any test runs (idempotent per database).
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
