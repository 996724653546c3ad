// The active organization: a session acts for at most one organization at a time. Its access tokens
// carry `org_id` and `org_role`, so a route (or another service verifying through the JWKS) can
// authorize by organization without a database read; each refresh reads the role again.
import { tokenError, type AccessTokenClaims } from '../auth/access-tokens';
import { issueTokens } from '../auth/sessions';
import { runBatch } from '../db/client';
import {
  selectSessionOrganizationStatement,
  sessionOrganizationOf,
  setActiveOrganizationStatement,
} from '../db/organizations';
import type { Deps } from '../deps';
import { notFound } from '../errors';
import { toOrganizationView } from './organizations';

/**
 * POST /api/orgs/{id}/activate (a member), or POST /api/orgs/deactivate (null): one D1 batch that
 * both sets the session's active organization (only while the session is live) and reads the roles
 * for the new access token. The refresh cookie is untouched: the next refresh keeps the choice.
 */
export async function activateOrganization(deps: Deps, auth: AccessTokenClaims, organizationId: string | null) {
  const results = await runBatch(deps.db, [
    setActiveOrganizationStatement(deps.db, {
      sessionId: auth.sessionId,
      userId: auth.userId,
      organizationId,
      now: deps.now,
    }),
    selectSessionOrganizationStatement(deps.db, { userId: auth.userId, organizationId }),
  ]);
  const read = sessionOrganizationOf(results[1]);
  if (results[0]?.meta.changes !== 1 || !read) {
    // Either the organization is not the caller's, or the session has ended (revoked, user disabled).
    if (read && organizationId !== null && !read.organization) throw notFound('No such organization.');
    throw tokenError('TOKEN_INVALID');
  }
  const organization = read.organization;
  const tokens = await issueTokens(
    deps,
    {
      userId: auth.userId,
      sessionId: auth.sessionId,
      role: read.user_role,
      amr: auth.amr,
      authTime: auth.authTime,
      ...(organization ? { orgId: organization.id, orgRole: organization.role } : {}),
    },
    null,
  );
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer' as const,
    expires_in: tokens.expiresIn,
    organization: organization ? toOrganizationView(organization) : null,
  };
}
