// `npm run openapi -- [--out file.json]`: builds the Worker and prints (or writes) the OpenAPI
// document it serves, for tools that want it as a file (redocly, code generators).
import { rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildBundle } from './lib/local-worker';
import { readOpenApiDocument } from './lib/openapi-document';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const { outdir } = buildBundle();
try {
  const text = `${JSON.stringify(await readOpenApiDocument(outdir), null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
