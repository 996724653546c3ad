// Cookie-authenticated routes refuse a request whose Origin is present and not allowed.
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors';
import type { AppEnv } from '../router';

/**
 * SameSite=Lax already keeps the cookie off cross-site POSTs; this also stops same-site but
 * untrusted origins (another subdomain) and makes the refusal explicit. The API's own origin
 * (pages it serves itself, such as /admin) is always allowed.
 */
export function requireAllowedOrigin(): MiddlewareHandler<AppEnv> {
  return async function requireAllowedOrigin(c, next) {
    const origin = c.req.header('Origin');
    if (origin !== undefined) {
      const config = c.get('config');
      if (origin !== config.apiUrl && !config.corsOrigins.includes(origin)) {
        // Name the refused origin and the fix: a port or host name that differs from the settings
        // (127.0.0.1 for localhost, say) otherwise looks like a lost session. Capped: it is the caller's text.
        throw new AppError(
          'ORIGIN_NOT_ALLOWED',
          `Requests from the origin ${origin.slice(0, 200)} are not allowed: add it to CORS_ORIGINS ` +
            `(the API's own pages are served from API_URL, ${config.apiUrl}).`,
        );
      }
    }
    await next();
  };
}
