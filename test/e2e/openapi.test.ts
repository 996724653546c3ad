// The OpenAPI document the built Worker serves: clean under `redocly lint` (redocly.yaml and its
// committed exceptions), and precise enough to generate a client from: an operationId on every
// operation, and on every error response the exact codes the route may answer (the workers tests
// check each error they see against these lists: test/support/http.ts).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { readOpenApiDocument } from '../../scripts/lib/openapi-document';
import { ERROR_CODE_NAMES } from '../../src/error-codes';

const root = new URL('../..', import.meta.url).pathname;
type Operation = {
  operationId?: string;
  summary?: string;
  security?: Record<string, unknown>[];
  'x-liftoff-guard'?: string;
  responses: Record<
    string,
    { content?: Record<string, { schema?: { allOf?: { properties?: { code?: { enum?: string[] } } }[] } }> }
  >;
};
let document: { servers?: { url: string }[]; paths: Record<string, Record<string, Operation>> };
const operations = () =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );

describe('the OpenAPI document', () => {
  beforeAll(async () => {
    document = (await readOpenApiDocument(inject('bundleDir'))) as typeof document;
  }, 60_000);

  it('passes redocly lint with no error and no warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'liftoff-redocly-'));
    try {
      // The exceptions file names the document `openapi.json`, next to the config.
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
      copyFileSync(join(root, 'redocly.yaml'), join(dir, 'redocly.yaml'));
      copyFileSync(join(root, '.redocly.lint-ignore.yaml'), join(dir, '.redocly.lint-ignore.yaml'));
      const lint = spawnSync(join(root, 'node_modules/.bin/redocly'), ['lint', 'openapi.json', '--format=json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      const report = JSON.parse(lint.stdout.slice(lint.stdout.indexOf('{'))) as {
        totals: { errors: number; warnings: number; ignored: number };
        problems: { ruleId: string; message: string }[];
      };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names every operation with a unique operationId, and serves the configured API_URL', () => {
    const ids = operations().map(({ name, operation }) => operation.operationId ?? `(none: ${name})`);
    expect(ids.filter((id) => id.startsWith('(none'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(document.servers?.[0]?.url).toBe('http://localhost:8787');
  });

  it('lists, on every error response, the catalogue codes the route may answer', () => {
    for (const { name, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const codes = response.content?.['application/json']?.schema?.allOf?.[1]?.properties?.code?.enum;
        expect(codes, `${name} ${status}`).toBeDefined();
        expect(codes!.length, `${name} ${status}`).toBeGreaterThan(0);
        for (const code of codes!) expect(ERROR_CODE_NAMES, `${name} ${status}`).toContain(code);
      }
      // Every route may fail unexpectedly or on a broken setting.
      expect(operation.responses['500'], name).toBeDefined();
    }
  });

  it("is listed route by route in the API reference's table (docs/api.md)", () => {
    const reference = readFileSync(join(root, 'docs/api.md'), 'utf8');
    const section = reference.slice(reference.indexOf('## Routes'), reference.indexOf('## HTTP conventions'));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    // The guard's own name where a route has one (src/openapi.ts), else what its security says.
    const credentials = ({ security = [], 'x-liftoff-guard': guard }: Operation) => {
      if (guard) return guard;
      const schemes = security.map((requirement) => Object.keys(requirement)[0] ?? 'optional');
      if (schemes.length === 0) return 'none';
      if (schemes.join() === 'optional,Bearer') return 'bearer (optional)';
      return { Bearer: 'bearer', RefreshCookie: 'refresh cookie' }[schemes.join()] ?? schemes.join();
    };
    const expected = operations().map(
      ({ name, operation }) => `| \`${name}\` | ${credentials(operation)} | ${operation.summary} |`,
    );
    expect(rows, 'docs/api.md "Routes" table (paste the expected rows)').toEqual(expected);
  });
});
