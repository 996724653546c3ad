// Organization roles, lowest first: what each role may grant (the API's rule: up to your own role).
import type { ActiveOrganization, Organization, OrgRole } from '@liftoff/client';

export const ORG_ROLES: readonly OrgRole[] = ['member', 'admin', 'owner'];

const rank = (role: OrgRole) => ORG_ROLES.indexOf(role);

/** Admins and owners manage members and invitations. */
export const canManage = (role: OrgRole) => rank(role) >= rank('admin');

/** The roles `role` may give (to an invitation, or to a member whose role is at most its own). */
export const rolesUpTo = (role: OrgRole) => ORG_ROLES.slice(0, rank(role) + 1);

export const atMost = (role: OrgRole, limit: OrgRole) => rank(role) <= rank(limit);

/**
 * The active organization with its name, from my list; the role from the list too (read from the
 * database when the list was loaded; the token's claim is as old as the token).
 */
export function activeDetails(
  active: ActiveOrganization | null,
  organizations: Organization[] | null,
): Organization | null {
  if (!active || !organizations) return null;
  return organizations.find((organization) => organization.id === active.id) ?? null;
}
