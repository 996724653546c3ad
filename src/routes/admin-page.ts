// GET /admin: the admin dashboard, served by the Worker itself (HTML, one script, one stylesheet).
import { createRoute, z } from '@hono/zod-openapi';
import { ADMIN_PAGE_HTML } from '../admin-ui/page';
import { ADMIN_CSS } from '../admin-ui/styles';
import { errorResponses } from '../openapi';
import { createRouter } from '../router';

// Scripts and styles only from this origin, API calls only to it: no inline code, no third parties.
const ADMIN_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'";

/** One of the page's files, described as plain text of its content type. */
const fileRoute = (
  path: string,
  operationId: string,
  summary: string,
  contentType: string,
  redirects: { 302?: { description: string } } = {},
) =>
  createRoute({
    method: 'get',
    path,
    operationId,
    security: [],
    tags: ['Admin'],
    summary,
    responses: {
      200: { description: 'The file.', content: { [contentType]: { schema: z.string() } } },
      ...redirects,
      ...errorResponses(),
    },
  });

const pageRoute = fileRoute('/admin', 'getAdminPage', 'The admin dashboard (HTML)', 'text/html', {
  302: { description: 'To API_URL/admin, when opened under another address of this Worker.' },
});
const scriptRoute = fileRoute('/admin/admin.js', 'getAdminScript', 'Its script', 'text/javascript');
const styleRoute = fileRoute('/admin/admin.css', 'getAdminStylesheet', 'Its stylesheet', 'text/css');

export const adminPageRouter = createRouter()
  .openapi(pageRoute, (c) => {
    // The page's session calls are accepted from API_URL's origin only (requireAllowedOrigin): opened
    // under another name for this Worker (127.0.0.1 for localhost, its workers.dev address), it would
    // lose its session on reload with ORIGIN_NOT_ALLOWED. API_URL is a setting, so this redirect is not open.
    const { apiUrl } = c.get('config');
    if (new URL(c.req.url).origin !== apiUrl) return c.redirect(`${apiUrl}/admin`, 302);
    c.header('Content-Security-Policy', ADMIN_CONTENT_SECURITY_POLICY);
    return c.html(ADMIN_PAGE_HTML, 200);
  })
  // Loaded on first use: only the page needs it, so start-ups skip it.
  .openapi(scriptRoute, async (c) => {
    const { default: script } = await import('../admin-ui/browser/admin.ts?browser');
    return c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  })
  .openapi(styleRoute, (c) => c.body(ADMIN_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
