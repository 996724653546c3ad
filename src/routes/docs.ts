// GET /api/openapi.json (generated from the route definitions) and GET /api/docs (it, for people).
import { createRoute, z } from '@hono/zod-openapi';
import type { Config } from '../config';
import { renderOpenApiPage, type OpenApiDocument } from '../lib/openapi-html';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter } from '../router';

// The docs page has no script; its only inline content is the stylesheet.
const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

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
  summary: 'Human-readable API reference',
  responses: {
    200: {
      description: 'An HTML page rendering the OpenAPI document.',
      content: { 'text/html': { schema: z.string() } },
    },
    ...errorResponses(),
  },
});

/** `describeApi` returns the document of the whole app, which only app.ts can see. */
export function createDocsRouter(describeApi: (config: Config) => OpenApiDocument) {
  return createRouter()
    .openapi(openApiRoute, (c) => {
      c.header('Cache-Control', 'public, max-age=300');
      return c.json(describeApi(c.get('config')) as unknown as Record<string, unknown>, 200);
    })
    .openapi(docsRoute, async (c) => {
      c.header('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
      c.header('Cache-Control', 'public, max-age=300');
      return c.html(await renderOpenApiPage(describeApi(c.get('config')), '/api/openapi.json'), 200);
    });
}
