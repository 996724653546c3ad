// The whole HTTP surface in one screen: middleware order, then every feature router's mount point.
import { requestId } from 'hono/request-id';
import { errorResponse, notFound } from './errors';
import { corsForBrowsers } from './middleware/cors';
import { jsonBody } from './middleware/json-body';
import { loadSettings } from './middleware/load-config';
import { requestLog } from './middleware/request-log';
import { securityHeaders } from './middleware/security-headers';
import { wrapNonErrors } from './middleware/wrap-non-errors';
import type { Config } from './config';
import { documentBodyMiddleware, errorComponents, openApiInfo } from './openapi';
import { lazyFeature } from './lazy-router';
import { createRouter } from './router';
import { createDocsRouter } from './routes/docs';
import { authRouter } from './routes/auth';
import { billingRouter } from './routes/billing';
import { devRouter } from './routes/dev';
import { emailVerificationRouter } from './routes/email-verification';
import { examplesRouter } from './routes/examples';
import { healthRouter } from './routes/health';
import { jwksRouter } from './routes/jwks';
import { linkedAccountsRouter } from './routes/linked-accounts';
import { meRouter } from './routes/me';
import { passwordsRouter } from './routes/passwords';
import { sessionsRouter } from './routes/sessions';
import { stripeWebhookRouter } from './routes/stripe-webhook';

/** JSON bodies are small; the Stripe webhook reads its raw body under its own limit. */
const JSON_BODY_LIMIT_BYTES = 16 * 1024;
const RAW_BODY_PREFIXES = ['/api/webhooks/'];

export function createApp() {
  const app = createRouter();

  // Order matters: the id, log line and security headers wrap everything, including config errors.
  app.use(requestId());
  app.use(requestLog());
  app.use(securityHeaders());
  app.use(loadSettings());
  app.use('/api/*', corsForBrowsers());
  app.use('/api/*', jsonBody({ maxBytes: JSON_BODY_LIMIT_BYTES, skipPrefixes: RAW_BODY_PREFIXES }));
  app.use(wrapNonErrors());

  app.route('/api', healthRouter);
  app.route('/api', authRouter);
  app.route('/api', sessionsRouter);
  app.route('/api', emailVerificationRouter);
  app.route('/api', passwordsRouter);
  app.route('/api', meRouter);
  app.route('/api', linkedAccountsRouter);
  // Loaded by the first request to their paths (src/lazy-router.ts): few requests need them.
  const oauth = lazyFeature('/api', () => import('./auth/oauth/feature').then((module) => module.oauthSignInRouter));
  app.all('/api/auth/providers', (c) => oauth.handler(c));
  app.all('/api/auth/oauth/*', (c) => oauth.handler(c));
  // Before the organizations' catch-all: /api/orgs/{id}/api-keys belongs to the API keys.
  const apiKeys = lazyFeature('/api', () => import('./api-keys/feature').then((module) => module.apiKeysRouter));
  app.all('/api/me/api-keys', (c) => apiKeys.handler(c));
  app.all('/api/me/api-keys/*', (c) => apiKeys.handler(c));
  app.all('/api/orgs/:id/api-keys', (c) => apiKeys.handler(c));
  app.all('/api/orgs/:id/api-keys/*', (c) => apiKeys.handler(c));
  app.all('/api/api-keys/*', (c) => apiKeys.handler(c));
  const orgs = lazyFeature('/api', () => import('./orgs/feature').then((module) => module.organizationsRouter));
  app.all('/api/orgs', (c) => orgs.handler(c));
  app.all('/api/orgs/*', (c) => orgs.handler(c));
  app.all('/api/examples/org-admin', (c) => orgs.handler(c));
  const secondFactors = lazyFeature('/api', () => import('./mfa/feature').then((module) => module.secondFactorsRouter));
  app.all('/api/me/2fa', (c) => secondFactors.handler(c));
  app.all('/api/me/2fa/*', (c) => secondFactors.handler(c));
  app.all('/api/auth/2fa/*', (c) => secondFactors.handler(c));
  app.all('/api/auth/step-up', (c) => secondFactors.handler(c));
  app.all('/api/auth/step-up/*', (c) => secondFactors.handler(c));
  app.all('/api/me/passkeys', (c) => secondFactors.handler(c));
  app.all('/api/me/password', (c) => secondFactors.handler(c));
  app.all('/api/me/passkeys/*', (c) => secondFactors.handler(c));
  app.all('/api/auth/passkeys/*', (c) => secondFactors.handler(c));
  const admin = lazyFeature('', () => import('./admin/feature').then((module) => module.adminAreaRouter));
  app.all('/api/admin/*', (c) => admin.handler(c));
  app.all('/admin', (c) => admin.handler(c));
  app.all('/admin/*', (c) => admin.handler(c));
  app.route('/api', billingRouter);
  app.route('/api', stripeWebhookRouter);
  app.route('/api', examplesRouter);
  app.route('/api', devRouter);
  app.route('/', jwksRouter);
  // Built on the first request for it, then kept while the settings (its `servers`) stay the same.
  // The lazily loaded features' routes join the registry then, once.
  let lazyRoutesAdded: Promise<void> | undefined;
  const addLazyRoutes = async () => {
    for (const feature of [oauth, apiKeys, orgs, secondFactors, admin]) {
      for (const route of await feature.routeDefinitions()) app.openAPIRegistry.registerPath(route);
    }
    documentBodyMiddleware(app.openAPIRegistry.definitions, { prefix: '/api/', except: RAW_BODY_PREFIXES });
  };
  const documents = new WeakMap<Config, ReturnType<typeof app.getOpenAPI31Document>>();
  app.route(
    '/api',
    createDocsRouter(async (config) => {
      await (lazyRoutesAdded ??= addLazyRoutes());
      let document = documents.get(config);
      if (!document) {
        document = app.getOpenAPI31Document({ ...openApiInfo, servers: [{ url: config.apiUrl }] });
        documents.set(config, document);
      }
      return document;
    }),
  );

  // What the JSON body middleware above may answer, on every route it covers (routes are all mounted now).
  documentBodyMiddleware(app.openAPIRegistry.definitions, { prefix: '/api/', except: RAW_BODY_PREFIXES });

  for (const [name, schema] of Object.entries(errorComponents)) {
    app.openAPIRegistry.registerComponent('schemas', name, schema);
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'API key',
    description:
      'An API key (`Authorization: Bearer <key>`) on the routes that list this scheme, with the scope they name. ' +
      'Made at /api/me/api-keys or /api/orgs/{id}/api-keys.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'RefreshCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'refresh_token',
  });

  app.notFound((c) => errorResponse(c, notFound()));
  app.onError((err, c) => errorResponse(c, err));
  return app;
}

export const app = createApp();
