// The OpenAPI document exactly as the built Worker serves it at GET /api/openapi.json: used by
// `npm run openapi` (and so the client's generated types) and by the e2e test that lints it and
// checks the committed types against it.
import { startLocalWorker } from './local-worker';
import { generateSigningKeySet } from './signing-keys.mjs';

/** The API's address in the document's `servers`: the one `npm run dev` serves. */
export const DOCUMENT_API_URL = 'http://localhost:8787';

export async function readOpenApiDocument(bundleDir: string): Promise<Record<string, unknown>> {
  const worker = await startLocalWorker(bundleDir, {
    APP_ENV: 'test',
    APP_URL: 'http://localhost:3000',
    API_URL: DOCUMENT_API_URL,
    JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
    EMAIL_PROVIDER: 'log',
  });
  try {
    const response = await worker.mf.dispatchFetch(new URL('/api/openapi.json', worker.url));
    if (response.status !== 200) throw new Error(`GET /api/openapi.json answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  } finally {
    await worker.mf.dispose();
  }
}
