// The caller's membership, as every organization route checks it: not a member is 404 (an
// organization's existence stays private), too low a role is 403 naming the role needed.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { findMyOrganization, ORG_ROLE_RANK } from '../db/organizations';
import type { OrgRole } from '../db/schema';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';

export const noSuchOrganization = () => notFound('No such organization.');

export const roleRequired = (role: OrgRole) =>
  new AppError('ORG_ROLE_REQUIRED', `This needs the ${role} role in this organization.`);

/** The caller's view of the organization (with their role); 404 to anyone who is not a member. */
export async function membershipOf(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  const row = await findMyOrganization(deps.db, organizationId, auth.userId);
  if (!row) throw noSuchOrganization();
  return row;
}

/** As membershipOf, and 403 ORG_ROLE_REQUIRED unless the caller's role is at least `role`. */
export async function membershipWithRole(deps: Deps, auth: AccessTokenClaims, organizationId: string, role: OrgRole) {
  const membership = await membershipOf(deps, auth, organizationId);
  if (ORG_ROLE_RANK[membership.role] < ORG_ROLE_RANK[role]) throw roleRequired(role);
  return membership;
}
