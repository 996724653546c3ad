// GET /api/openapi.json (generated from the route definitions) and GET /api/docs (it, for people).
import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../config';
import { errorResponses, jsonResponse, openApiInfo } from '../openapi';
import { createRouter } from '../router';

/**
 * /api/docs is Swagger UI (swagger-ui-dist, pinned in package.json), chosen over Scalar because it
 * runs under the policy below, `style-src 'self'` included (its React code sets element styles
 * through the DOM, which CSP does not restrict; test/e2e/api-docs.test.ts sees no violation), where
 * Scalar, by its own CSP notes, needs `style-src 'unsafe-inline'`. Its files and our initializer
 * (src/docs-ui/browser/init.ts) are Workers static assets under DOCS_ASSETS_PATH, copied there at
 * build time by scripts/lib/docs-assets.mjs (wrangler.toml `[assets]`), with the headers of
 * src/docs-ui/_headers: the Worker serves only this shell, and its start-up bundle does not grow.
 */
const DOCS_ASSETS_PATH = '/api/docs/ui';

// Scripts, styles and fonts from this origin only, no inline code; Swagger UI's stylesheet draws its
// icons with data: images; "Try it out" and the document itself are fetched from this origin.
const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// No inline script: Swagger UI, then the initializer, which reads the document's URL from the element.
const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${openApiInfo.info.title} reference</title>
<link rel="icon" type="image/png" href="${DOCS_ASSETS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/swagger-ui.css">
<link rel="stylesheet" href="${DOCS_ASSETS_PATH}/index.css">
<script defer src="${DOCS_ASSETS_PATH}/swagger-ui-bundle.js"></script>
<script type="module" src="${DOCS_ASSETS_PATH}/init.js"></script>
</head>
<body>
<div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>
<noscript><p>This reference needs JavaScript. The API is described by its <a href="/api/openapi.json">OpenAPI 3.1 document</a>.</p></noscript>
</body>
</html>
`;

const openApiRoute = createRoute({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  security: [],
  tags: ['System'],
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: jsonResponse(z.record(z.string(), z.unknown()), 'The OpenAPI document of every route.'),
    ...errorResponses(),
  },
});

const docsRoute = createRoute({
  method: 'get',
  path: '/docs',
  operationId: 'getDocsPage',
  security: [],
  tags: ['System'],
  summary: 'Interactive API reference (Swagger UI): try any route with a token',
  responses: {
    200: {
      description: 'An HTML page rendering the OpenAPI document.',
      content: { 'text/html': { schema: z.string() } },
    },
    ...errorResponses(),
  },
});

/** `describeApi` returns the document of the whole app, which only app.ts can see. */
export function createDocsRouter(describeApi: (config: Config) => Promise<object>) {
  return createRouter()
    .openapi(openApiRoute, async (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json((await describeApi(c.get('config'))) as Record<string, unknown>, 200);
    })
    .openapi(docsRoute, (c) => {
      c.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
      c.header('Cache-Control', 'public, max-age=300');
      return c.html(DOCS_PAGE_HTML, 200);
    });
}
