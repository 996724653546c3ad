// CORS for browser front ends: exact origins from CORS_ORIGINS, with credentials (the refresh cookie).
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../router';
import { BOOKMARK_HEADER } from './load-config';

/** Paths called server-to-server (Stripe) that must never answer a browser's CORS request. */
const NO_CORS_PREFIXES = ['/api/webhooks/'];

export function corsForBrowsers(): MiddlewareHandler<AppEnv> {
  const applyCors = cors({
    // Echo the caller's origin only when it is listed exactly; otherwise no Allow-Origin at all.
    origin: (origin, c) => (c.get('config').corsOrigins.includes(origin) ? origin : null),
    credentials: true,
    allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
    // The client echoes X-D1-Bookmark so its reads see its own writes (read replication).
    allowHeaders: ['Content-Type', 'Authorization', BOOKMARK_HEADER],
    exposeHeaders: [
      'X-Request-Id',
      'Retry-After',
      'WWW-Authenticate',
      BOOKMARK_HEADER,
      // An API key's rate limit (src/middleware/accept-api-keys.ts).
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
    maxAge: 600,
  });
  return async function corsForBrowsers(c, next) {
    if (NO_CORS_PREFIXES.some((prefix) => c.req.path.startsWith(prefix))) return next();
    // The browser tells only its console why it refused an answer; the log line says it here too,
    // so a front end on an unlisted origin (another port, 127.0.0.1) is a one-line fix, not a mystery.
    const origin = c.req.header('Origin');
    const { apiUrl, corsOrigins } = c.get('config');
    if (origin !== undefined && origin !== apiUrl && !corsOrigins.includes(origin)) c.set('refusedOrigin', origin);
    return applyCors(c, next);
  };
}
