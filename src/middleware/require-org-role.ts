// requireOrgRole: for routes that act within the session's active organization (after requireAuth):
// the access token's `org_role` must be at least `role`. Like requireAuth it trusts the token until
// it expires (ACCESS_TOKEN_TTL): a member removed a moment ago keeps the claims that long, so routes
// that change an organization check the membership in D1 instead (the /api/orgs routes do).
import type { MiddlewareHandler } from 'hono';
import { orgRoleAtLeast, type OrgRole } from '../lib/org-roles';
import { AppError } from '../errors';
import { bearerSecurity, guard } from '../openapi';
import type { AppEnv } from '../router';
import { requireAuth } from './require-auth';

export function requireOrgRole(role: OrgRole): MiddlewareHandler<AppEnv> {
  return async function requireOrgRole(c, next) {
    const { orgId, orgRole } = c.get('auth');
    if (!orgId || !orgRole) {
      throw new AppError('ORG_ROLE_REQUIRED', 'Activate an organization first: POST /api/orgs/{id}/activate.');
    }
    if (!orgRoleAtLeast(orgRole, role)) {
      throw new AppError('ORG_ROLE_REQUIRED', `This needs the ${role} role in the active organization.`);
    }
    await next();
  };
}

/** For createRoute(): a valid access token whose active organization gives at least `role`. */
export const orgRoleGuard = (role: OrgRole) =>
  guard(`bearer, org ${role}`, bearerSecurity, requireAuth(), requireOrgRole(role));
