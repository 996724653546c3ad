// Security headers on every response, and no caching of API answers unless a route opts in.
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

const ONE_YEAR_SECONDS = 31_536_000;

/** A JSON API needs no content at all; HTML routes (docs, admin) set their own policy. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(): MiddlewareHandler {
  const setSecureHeaders = secureHeaders({
    strictTransportSecurity: `max-age=${ONE_YEAR_SECONDS}; includeSubDomains`,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    // Cross-origin front ends read the API through CORS, which CORP does not restrict.
    crossOriginResourcePolicy: 'same-site',
  });
  return async function securityHeaders(c, next) {
    await setSecureHeaders(c, next);
    if (!c.res.headers.has('Content-Security-Policy')) {
      c.res.headers.set('Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
    }
    // Auth answers carry tokens and personal data: no browser or proxy may keep them.
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  };
}
