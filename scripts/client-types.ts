// `npm run client:types`: builds the Worker, reads its OpenAPI document and regenerates the client's
// types (client/src/api.d.ts). Run it after changing a route; commit the result.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_TYPES_PATH, generateClientTypes } from './lib/client-types';
import { buildBundle } from './lib/local-worker';
import { readOpenApiDocument } from './lib/openapi-document';

const root = new URL('..', import.meta.url).pathname;
const { outdir } = buildBundle();
try {
  writeFileSync(join(root, CLIENT_TYPES_PATH), await generateClientTypes(await readOpenApiDocument(outdir)));
  console.log(`wrote ${CLIENT_TYPES_PATH}`);
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
