// Gives the request its logger (every line carries the X-Request-Id), and writes one line per request.
import type { MiddlewareHandler } from 'hono';
import { createLogger, type LogFields } from '../lib/log';
import type { AppEnv } from '../router';

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const started = performance.now();
    const log = createLogger({ request_id: c.get('requestId') });
    c.set('log', log);
    await next();
    const status = c.res.status;
    const line: LogFields = {
      method: c.req.method,
      // The path only: query strings can carry OAuth codes and tokens.
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    };
    const refusedOrigin = c.get('refusedOrigin');
    if (refusedOrigin !== undefined) {
      // Capped: it is the caller's text.
      line.cors = 'origin refused (not in CORS_ORIGINS)';
      line.origin = refusedOrigin.slice(0, 200);
    }
    const code = c.get('errorCode');
    if (code !== undefined) line.code = code;
    if (code === 'INTERNAL_ERROR' && c.error) {
      // Unexpected errors keep their detail here, in the log, and never in the response.
      line.error = { name: c.error.name, message: c.error.message, stack: c.error.stack };
    }
    log[status >= 500 ? 'error' : status >= 400 || refusedOrigin !== undefined ? 'warn' : 'info']('request', line);
  };
}
