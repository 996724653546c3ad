// The caller's membership, as every organization route checks it: not a member is 404 (an
// organization's existence stays private), too low a role is 403 naming the role needed.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { findMyOrganization } from '../db/organizations';
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
