// GET /api/examples/org-admin: the pattern for a feature of the active organization, for its admins
// and owners: orgRoleGuard('admin') (requireAuth, then requireOrgRole). It loads with the
// organizations feature (app.ts), as a route of yours guarded by a role may.
import { createRoute, z } from '@hono/zod-openapi';
import { orgRoleGuard } from '../middleware/require-org-role';
import { BEARER_ERRORS, errorResponses, jsonResponse } from '../openapi';
import { createRouter } from '../router';

const orgAdminRoute = createRoute({
  method: 'get',
  path: '/examples/org-admin',
  operationId: 'getOrgAdminExample',
  tags: ['Organizations'],
  summary: "An example feature for the active organization's admins and owners (copy this route for yours)",
  ...orgRoleGuard('admin'),
  responses: {
    200: jsonResponse(
      z.object({ message: z.string(), organization_id: z.string(), org_role: z.enum(['admin', 'owner']) }),
      'You are an admin or owner of the active organization.',
    ),
    ...errorResponses(BEARER_ERRORS, 'ORG_ROLE_REQUIRED'),
  },
});

export const orgExampleRouter = createRouter().openapi(orgAdminRoute, (c) => {
  const { orgId, orgRole } = c.get('auth');
  return c.json(
    {
      message: 'Welcome, organization admin: this is where a feature for the active organization goes.',
      organization_id: orgId!,
      org_role: orgRole as 'admin' | 'owner',
    },
    200,
  );
});
