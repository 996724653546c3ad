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
        throw new AppError('ORIGIN_NOT_ALLOWED');
      }
    }
    await next();
  };
}
