// Queries on organizations and memberships. Each change carries its authorisation as a condition
// (the acting member's role, read by the same statement) and the last-owner rule, so a member
// removed a moment ago cannot act, and concurrent requests cannot leave an organization ownerless.
import { rowsOf, sqlStatement, type Condition, type Database, type Statement } from './client';
import type { OrgRole } from './schema';

/** Roles in order: a role may do what the ones below it may. */
export const ORG_ROLE_RANK: Record<OrgRole, number> = { member: 1, admin: 2, owner: 3 };
export const rankSql = (column: string) =>
  `(CASE ${column} WHEN 'owner' THEN 3 WHEN 'admin' THEN 2 WHEN 'member' THEN 1 END)`;

export interface MyOrganizationRow {
  id: string;
  name: string;
  slug: string;
  role: OrgRole;
  created_at: number;
}

const MY_ORGANIZATION_COLUMNS = 'o.id, o.name, o.slug, m.role, o.created_at';

/** The acting user is a member of the organization with at least this role. */
export const actsAtLeast = (organizationId: string, userId: string, role: OrgRole): Condition => ({
  sql: `EXISTS (SELECT 1 FROM memberships WHERE organization_id = ? AND user_id = ? AND ${rankSql('role')} >= ?)`,
  params: [organizationId, userId, ORG_ROLE_RANK[role]],
});

export const organizationExists = (organizationId: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM organizations WHERE id = ?)',
  params: [organizationId],
});

/**
 * Batchable: the organization, unless its slug is taken or its creator already belongs to
 * `maxMemberships` organizations (then nothing: check with organizationExists).
 */
export function insertOrganizationStatement(
  db: Database,
  input: { id: string; name: string; slug: string; createdBy: string; now: Date; maxMemberships: number },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO organizations (id, name, slug, created_by, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE NOT EXISTS (SELECT 1 FROM organizations WHERE slug = ?3)
       AND (SELECT COUNT(*) FROM memberships WHERE user_id = ?4) < ?6`,
    input.id,
    input.name,
    input.slug,
    input.createdBy,
    input.now.getTime(),
    input.maxMemberships,
  );
}

export async function countMemberships(db: Database, userId: string): Promise<number> {
  const row = await sqlStatement(db, 'SELECT COUNT(*) AS count FROM memberships WHERE user_id = ?', userId).first<{
    count: number;
  }>();
  return row?.count ?? 0;
}

/** Batchable: a membership, if the organization exists (after insertOrganizationStatement). */
export function insertMembershipStatement(
  db: Database,
  input: { organizationId: string; userId: string; role: OrgRole; now: Date },
): Statement {
  return sqlStatement(
    db,
    'INSERT INTO memberships (organization_id, user_id, role, created_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?1)',
    input.organizationId,
    input.userId,
    input.role,
    input.now.getTime(),
  );
}

/** The user's organizations with their role, by name: one statement. */
export async function listMyOrganizations(db: Database, userId: string): Promise<MyOrganizationRow[]> {
  const result = await sqlStatement(
    db,
    `SELECT ${MY_ORGANIZATION_COLUMNS} FROM memberships m JOIN organizations o ON o.id = m.organization_id
     WHERE m.user_id = ? ORDER BY o.name, o.id`,
    userId,
  ).all<MyOrganizationRow>();
  return result.results;
}

/** Batchable: the organization as this user sees it (with their role); no row when they are not a member. */
export function selectMyOrganizationStatement(db: Database, organizationId: string, userId: string): Statement {
  return sqlStatement(
    db,
    `SELECT ${MY_ORGANIZATION_COLUMNS} FROM memberships m JOIN organizations o ON o.id = m.organization_id
     WHERE m.organization_id = ? AND m.user_id = ?`,
    organizationId,
    userId,
  );
}

export async function findMyOrganization(
  db: Database,
  organizationId: string,
  userId: string,
): Promise<MyOrganizationRow | null> {
  return (await selectMyOrganizationStatement(db, organizationId, userId).first<MyOrganizationRow>()) ?? null;
}

/**
 * Batchable: sets the name and the slug given (null keeps the stored one, so two changes racing
 * do not undo each other) when `when` holds and no other organization has the slug.
 */
export function renameOrganizationStatement(
  db: Database,
  input: { organizationId: string; name: string | null; slug: string | null; now: Date; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE organizations SET name = COALESCE(?, name), slug = COALESCE(?, slug), updated_at = ?
     WHERE id = ? AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.slug = ? AND o.id != ?) AND ${input.when.sql}`,
    input.name,
    input.slug,
    input.now.getTime(),
    input.organizationId,
    input.slug,
    input.organizationId,
    ...input.when.params,
  );
}

/** Batchable: deletes the organization (its memberships go with it) when `when` holds. */
export function deleteOrganizationStatement(db: Database, organizationId: string, when: Condition): Statement {
  return sqlStatement(db, `DELETE FROM organizations WHERE id = ? AND ${when.sql}`, organizationId, ...when.params);
}

/** No other organization has this slug. */
export const slugFreeCondition = (slug: string, exceptId: string): Condition => ({
  sql: 'NOT EXISTS (SELECT 1 FROM organizations WHERE slug = ? AND id != ?)',
  params: [slug, exceptId],
});

export interface MemberRow {
  user_id: string;
  email: string;
  name: string | null;
  role: OrgRole;
  created_at: number;
}

/** Members, oldest first, keyset-paginated on (joined time, user id). */
export async function listMembers(
  db: Database,
  input: { organizationId: string; after: { createdAt: number; id: string } | null; limit: number },
): Promise<MemberRow[]> {
  const after = input.after;
  const result = await sqlStatement(
    db,
    `SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE m.organization_id = ?1 ${after ? 'AND (m.created_at > ?3 OR (m.created_at = ?3 AND m.user_id > ?4))' : ''}
     ORDER BY m.created_at, m.user_id LIMIT ?2`,
    input.organizationId,
    input.limit,
    ...(after ? [after.createdAt, after.id] : []),
  ).all<MemberRow>();
  return result.results;
}

interface MemberChange {
  organizationId: string;
  actorId: string;
  memberId: string;
}

const actorRank = (input: MemberChange) => ({
  sql: `(SELECT ${rankSql('a.role')} FROM memberships a WHERE a.organization_id = ? AND a.user_id = ?)`,
  params: [input.organizationId, input.actorId],
});

const notLastOwner = (organizationId: string) => ({
  sql: `NOT (role = 'owner' AND (SELECT COUNT(*) FROM memberships o WHERE o.organization_id = ? AND o.role = 'owner') = 1)`,
  params: [organizationId],
});

/**
 * The membership rows `actorId` may give the role `role`: an admin or owner, granting at most their
 * own role, to a member whose role is not above theirs, never demoting the last owner.
 */
function roleChangeWhere(input: MemberChange & { role: OrgRole }): Condition {
  const actor = actorRank(input);
  const owner = notLastOwner(input.organizationId);
  return {
    sql: `organization_id = ? AND user_id = ? AND role != ?
      AND ${actor.sql} >= MAX(2, ${rankSql('?')}, ${rankSql('role')}) AND ${owner.sql}`,
    params: [input.organizationId, input.memberId, input.role, ...actor.params, input.role, ...owner.params],
  };
}

/** For the audit entry: the role change will take effect. */
export function roleChangeCondition(input: MemberChange & { role: OrgRole }): Condition {
  const where = roleChangeWhere(input);
  return { sql: `EXISTS (SELECT 1 FROM memberships WHERE ${where.sql})`, params: where.params };
}

export function setMemberRoleStatement(db: Database, input: MemberChange & { role: OrgRole }): Statement {
  const where = roleChangeWhere(input);
  return sqlStatement(db, `UPDATE memberships SET role = ? WHERE ${where.sql}`, input.role, ...where.params);
}

/**
 * The membership rows that may go: the member leaves (the actor is the member), or an admin or owner
 * removes a member whose role is not above theirs; never the last owner.
 */
function removalWhere(input: MemberChange): Condition {
  const actor = actorRank(input);
  const owner = notLastOwner(input.organizationId);
  return {
    sql: `organization_id = ? AND user_id = ? AND (? = ? OR ${actor.sql} >= MAX(2, ${rankSql('role')})) AND ${owner.sql}`,
    params: [input.organizationId, input.memberId, input.actorId, input.memberId, ...actor.params, ...owner.params],
  };
}

export function removalCondition(input: MemberChange): Condition {
  const where = removalWhere(input);
  return { sql: `EXISTS (SELECT 1 FROM memberships WHERE ${where.sql})`, params: where.params };
}

export function removeMemberStatement(db: Database, input: MemberChange): Statement {
  const where = removalWhere(input);
  return sqlStatement(db, `DELETE FROM memberships WHERE ${where.sql}`, ...where.params);
}

export interface MembershipFacts {
  actorRole: OrgRole | null;
  memberRole: OrgRole | null;
  owners: number;
}

/** Batchable: what explains a refused change (the actor's and the member's roles, the owner count). */
export function membershipFactsStatement(db: Database, input: MemberChange): Statement {
  return sqlStatement(
    db,
    `SELECT (SELECT role FROM memberships WHERE organization_id = ?1 AND user_id = ?2) AS actorRole,
            (SELECT role FROM memberships WHERE organization_id = ?1 AND user_id = ?3) AS memberRole,
            (SELECT COUNT(*) FROM memberships WHERE organization_id = ?1 AND role = 'owner') AS owners`,
    input.organizationId,
    input.actorId,
    input.memberId,
  );
}

export const membershipFactsOf = (result: D1Result | undefined): MembershipFacts =>
  rowsOf<MembershipFacts>(result)[0] ?? { actorRole: null, memberRole: null, owners: 0 };

/**
 * The user is the last owner of an organization that has other members: deleting the account
 * would leave it ownerless. (`notLastOwnerWithMembers` is its negation, for a batch.)
 */
export const notLastOwnerWithMembersCondition = (userId: string): Condition => {
  const condition = lastOwnerWithMembersCondition(userId);
  return { sql: `NOT ${condition.sql}`, params: condition.params };
};

export const lastOwnerWithMembersCondition = (userId: string): Condition => ({
  sql: `EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = ? AND m.role = 'owner'
    AND (SELECT COUNT(*) FROM memberships o WHERE o.organization_id = m.organization_id AND o.role = 'owner') = 1
    AND (SELECT COUNT(*) FROM memberships x WHERE x.organization_id = m.organization_id) > 1)`,
  params: [userId],
});

/** Batchable: deletes the organizations the user is the only member of (with the account, under `when`). */
export function deleteSoleMemberOrganizationsStatement(db: Database, userId: string, when: Condition): Statement {
  return sqlStatement(
    db,
    `DELETE FROM organizations WHERE id IN (
       SELECT m.organization_id FROM memberships m WHERE m.user_id = ?
         AND (SELECT COUNT(*) FROM memberships x WHERE x.organization_id = m.organization_id) = 1)
     AND ${when.sql}`,
    userId,
    ...when.params,
  );
}

export async function isLastOwnerWithMembers(db: Database, userId: string): Promise<boolean> {
  const condition = lastOwnerWithMembersCondition(userId);
  const row = await sqlStatement(db, `SELECT ${condition.sql} AS holds`, ...condition.params).first<{
    holds: number;
  }>();
  return row?.holds === 1;
}

/**
 * Batchable: makes the organization (null: none) the session's active one, while the session is
 * live, its user enabled and, for an organization, a member of it. The same batch's
 * selectSessionOrganizationStatement reads what the new access token carries.
 */
export function setActiveOrganizationStatement(
  db: Database,
  input: { sessionId: string; userId: string; organizationId: string | null; now: Date },
): Statement {
  return sqlStatement(
    db,
    `UPDATE sessions SET active_organization_id = ?1
     WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL AND expires_at > ?4
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = ?3 AND u.disabled_at IS NULL)
       AND (?1 IS NULL OR EXISTS (SELECT 1 FROM memberships WHERE organization_id = ?1 AND user_id = ?3))`,
    input.organizationId,
    input.sessionId,
    input.userId,
    input.now.getTime(),
  );
}

export interface SessionOrganizationRow {
  /** The user's role now (the new token's `role`). */
  user_role: 'user' | 'admin';
  organization: MyOrganizationRow | null;
}

/** Batchable: the user's role and, when given, the organization as the user sees it. */
export function selectSessionOrganizationStatement(
  db: Database,
  input: { userId: string; organizationId: string | null },
): Statement {
  return sqlStatement(
    db,
    `SELECT u.role AS user_role, o.id, o.name, o.slug, m.role, o.created_at
     FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.organization_id = ?2
       LEFT JOIN organizations o ON o.id = m.organization_id
     WHERE u.id = ?1`,
    input.userId,
    input.organizationId,
  );
}

export function sessionOrganizationOf(result: D1Result | undefined): SessionOrganizationRow | null {
  const row = rowsOf<MyOrganizationRow & { user_role: 'user' | 'admin'; id: string | null }>(result)[0];
  if (!row) return null;
  const { user_role, ...organization } = row;
  return { user_role, organization: organization.id === null ? null : organization };
}
