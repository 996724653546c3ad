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
const fileRoute = (path: string, operationId: string, summary: string, contentType: string) =>
  createRoute({
    method: 'get',
    path,
    operationId,
    security: [],
    tags: ['Admin'],
    summary,
    responses: {
      200: { description: 'The file.', content: { [contentType]: { schema: z.string() } } },
      ...errorResponses(),
    },
  });

const pageRoute = fileRoute('/admin', 'getAdminPage', 'The admin dashboard (HTML)', 'text/html');
const scriptRoute = fileRoute('/admin/admin.js', 'getAdminScript', 'Its script', 'text/javascript');
const styleRoute = fileRoute('/admin/admin.css', 'getAdminStylesheet', 'Its stylesheet', 'text/css');

export const adminPageRouter = createRouter()
  .openapi(pageRoute, (c) => {
    c.header('Content-Security-Policy', ADMIN_CONTENT_SECURITY_POLICY);
    return c.html(ADMIN_PAGE_HTML, 200);
  })
  // Loaded on first use: only the page needs it, so start-ups skip it.
  .openapi(scriptRoute, async (c) => {
    const { default: script } = await import('../admin-ui/browser/admin.ts?browser');
    return c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  })
  .openapi(styleRoute, (c) => c.body(ADMIN_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));
