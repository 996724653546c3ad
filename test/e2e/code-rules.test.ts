// The rules that keep the code honest: the lint rules refuse what they are meant to refuse, and the
// error-code catalogue matches what the code throws and what docs/api.md documents.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/error-codes';

const eslint = new ESLint();

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
const restrictedImport = '@typescript-eslint/no-restricted-imports';

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
      "import { sqlStatement } from '../db/client.ts';\nexport const s = sqlStatement;\n",
      "import { users } from '../db/schema';\nexport const t = users;\n",
    ]) {
      expect(await violations('src/auth/example.ts', code), code).toContain(restrictedImport);
    }
    // The query builder and the raw client, however a contributor might reach them.
    for (const code of [
      'export const f = (deps: { db: { delete(t: string): unknown } }) => deps.db.delete("users");\n',
      'export const f = (db: { select(): unknown }) => db.select();\n',
      "export const f = (db: { run(s: string): unknown }) => db.run('DELETE FROM users');\n",
      'export const f = (db: { query: { users: unknown } }) => db.query.users;\n',
      'export const f = (db: { $client: unknown }) => {\n  const { $client } = db;\n  return $client;\n};\n',
      "export const f = (db: Record<string, unknown>) => db['$client'];\n",
    ]) {
      expect(await violations('src/auth/example.ts', code), code).toContain('no-restricted-syntax');
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
    ).toContain(restrictedImport);
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
    expect(
      await violations('src/auth/example.ts', "import type { User } from '../db/schema';\nexport type U = User;\n"),
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
    ).toContain(restrictedImport);
    for (const code of [
      "export const f = (c: Record<string, unknown>) => c['env'];\n",
      'export const f = ({ env: e }: { env: { X: string } }) => e.X;\n',
    ]) {
      expect(await violations('src/routes/example.ts', code), code).toContain('no-restricted-syntax');
    }
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

describe('one log helper', () => {
  it('refuses console calls outside src/lib/log.ts', async () => {
    expect(await violations('src/billing/example.ts', "console.log(JSON.stringify({ level: 'info' }));\n")).toContain(
      'no-console',
    );
    expect(await violations('src/lib/log.ts', "console.error('line');\n")).toEqual([]);
  });
});

describe('one catalogue of error codes', () => {
  const sources = readdirSync(new URL('../../src/', import.meta.url), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && file !== 'error-codes.ts')
    .map((file) => ({ file, text: readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8') }));
  const catalogue = Object.keys(ERROR_CODES);

  // Codes reach AppError directly, through the helpers that add headers, or from errors.ts's map of
  // Hono's own exceptions.
  const thrown = new Set<string>();
  for (const { file, text } of sources) {
    for (const match of text.matchAll(/(?:AppError|tokenError|refreshError|apiKeyError)\(\s*'([A-Z_]+)'/g))
      thrown.add(match[1]!);
    if (file === 'errors.ts') for (const match of text.matchAll(/^\s+\d{3}: '([A-Z_]+)',$/gm)) thrown.add(match[1]!);
  }

  it('throws only codes the catalogue lists', () => {
    expect(thrown.size).toBeGreaterThan(20);
    expect([...thrown].filter((code) => !catalogue.includes(code))).toEqual([]);
  });

  it('lists no code that nothing throws', () => {
    expect(catalogue.filter((code) => !thrown.has(code))).toEqual([]);
  });

  it("matches the API reference's table (docs/api.md)", () => {
    const reference = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const section = reference.slice(reference.indexOf('### Error codes'), reference.indexOf('### CORS'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = rows.map((row) => /^\| `([A-Z_]+)` \| ([\d, ]+) \| (.*) \|$/.exec(row));
    const expected = Object.entries(ERROR_CODES).map(([code, entry]) => {
      const status = 'alsoStatus' in entry ? `${entry.status}, ${entry.alsoStatus}` : `${entry.status}`;
      return `${code} ${status}`;
    });
    expect(
      documented.map((match) => (match ? `${match[1]} ${match[2]}` : null)),
      'docs/api.md "Error codes" table: one row per code, in the catalogue\'s order, with its status',
    ).toEqual(expected);
    // Each row says when a client sees the code.
    for (const match of documented) expect(match![3]!.length).toBeGreaterThan(20);
  });
});

describe('imports', () => {
  it('form no cycle in src/ (type-only imports aside)', () => {
    const root = fileURLToPath(new URL('../../src/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      const targets = [...text.matchAll(/^(?:import|export) (?!type )[^;]*?from '(\.[^']+)'/gms)].map((match) =>
        join(dirname(file), match[1]!).replace(/(\.ts)?$/, '.ts'),
      );
      graph.set(
        file,
        targets.filter((target) => files.includes(target)),
      );
    }
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (file: string) => {
      if (path.includes(file)) return void cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      if (done.has(file)) return;
      path.push(file);
      for (const target of graph.get(file) ?? []) visit(target);
      path.pop();
      done.add(file);
    };
    for (const file of files) visit(file);
    expect(graph.get('app.ts')?.length).toBeGreaterThan(10);
    expect(cycles).toEqual([]);
  });
});
