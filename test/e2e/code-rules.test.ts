// The lint rules that keep the layering honest: each one refuses what it is meant to refuse.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
}

describe('SQL only in src/db/', () => {
  it('refuses drizzle and raw statements in feature code', async () => {
    for (const code of [
      "import { sql } from 'drizzle-orm';\nexport const q = sql`select 1`;\n",
      "import { eq } from 'drizzle-orm/sql';\nexport const e = eq;\n",
      "import { sqlStatement } from '../db/client';\nexport const s = sqlStatement;\n",
      "import { statementFrom } from '../db/client';\nexport const s = statementFrom;\n",
    ]) {
      expect(await violations('src/auth/example.ts', code), code).toContain('no-restricted-imports');
    }
    expect(
      await violations(
        'src/billing/example.ts',
        "export const q = (db: { $client: { prepare(q: string): unknown } }) => db.$client.prepare('SELECT 1');\n",
      ),
    ).toContain('no-restricted-syntax');
    expect(
      await violations('src/admin/example.ts', "export const when = { sql: 'disabled_at IS NULL', params: [] };\n"),
    ).toContain('no-restricted-syntax');
    expect(
      await violations('src/lib/example.ts', "import { sql } from 'drizzle-orm';\nexport const q = sql`1`;\n"),
    ).toContain('no-restricted-imports');
  });

  it('allows them in src/db/, and named queries everywhere', async () => {
    expect(
      await violations(
        'src/db/example.ts',
        "import { sql } from 'drizzle-orm';\nimport { sqlStatement } from './client';\nexport const q = [sql`select 1`, sqlStatement];\n",
      ),
    ).toEqual([]);
    expect(
      await violations('src/auth/example.ts', "import { runBatch } from '../db/client';\nexport const r = runBatch;\n"),
    ).toEqual([]);
  });
});

describe('only config.ts and db/client.ts read bindings', () => {
  it('refuses binding reads elsewhere', async () => {
    expect(
      await violations('src/routes/example.ts', 'export const f = (c: { env: { KEY: string } }) => c.env.KEY;\n'),
    ).toContain('no-restricted-syntax');
    expect(
      await violations('src/db/users-example.ts', 'export const f = (bindings: { DB: unknown }) => bindings.DB;\n'),
    ).toContain('no-restricted-syntax');
    expect(
      await violations('src/auth/example.ts', "import { env } from 'cloudflare:workers';\nexport const e = env;\n"),
    ).toContain('no-restricted-imports');
  });

  it('allows them in config.ts and db/client.ts', async () => {
    expect(await violations('src/config.ts', 'export const f = (env: { APP_URL: string }) => env.APP_URL;\n')).toEqual(
      [],
    );
    expect(
      await violations('src/db/client.ts', 'export const f = (bindings: { DB: unknown }) => bindings.DB;\n'),
    ).toEqual([]);
  });
});
