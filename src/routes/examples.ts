// Patterns to copy. GET /api/examples/paid: a paid feature, subscriberGuard() (requireAuth, then
// requireSubscription). GET /api/examples/org-admin: a feature of the active organization for its
// admins and owners, orgRoleGuard('admin') (requireAuth, then requireOrgRole).
import { createRoute, z } from '@hono/zod-openapi';
import { BEARER_ERRORS, errorResponses, jsonResponse, orgRoleGuard, subscriberGuard } from '../openapi';
import { createRouter } from '../router';

const paidRoute = createRoute({
  method: 'get',
  path: '/examples/paid',
  operationId: 'getPaidExample',
  tags: ['Billing'],
  summary: 'An example paid feature (copy this route for yours)',
  ...subscriberGuard(),
  responses: {
    200: jsonResponse(z.object({ message: z.string() }), 'You are a subscriber.'),
    ...errorResponses(BEARER_ERRORS, 'SUBSCRIPTION_REQUIRED'),
  },
});

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

export const examplesRouter = createRouter()
  .openapi(paidRoute, (c) => c.json({ message: 'Welcome, subscriber: this is where a paid feature goes.' }, 200))
  .openapi(orgAdminRoute, (c) => {
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
