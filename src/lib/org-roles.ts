// The roles a member can have in an organization, lowest first: a role may do what those before it may.
export const ORG_ROLES = ['member', 'admin', 'owner'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** Whether `role` is at least `needed`. */
export const orgRoleAtLeast = (role: OrgRole, needed: OrgRole) => ORG_ROLES.indexOf(role) >= ORG_ROLES.indexOf(needed);
