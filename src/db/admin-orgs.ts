// Queries behind the admin area's view of organizations: search (one statement) and one organization's
// details with its members, pending invitations, subscription and seats (one batch).
import { Where, type PageCursor } from './admin';
import { rowsOf, runBatch, sqlStatement, type Database } from './client';
import {
  CURRENT_SUBSCRIPTION_ORDER,
  selectCurrentOrganizationSubscriptionStatement,
  type OrganizationSubscriptionRow,
} from './org-billing';
import type { OrgRole } from './schema';

export interface AdminOrganizationRow {
  id: string;
  name: string;
  slug: string;
  created_at: number;
  member_count: number;
  /** The current subscription's status (the choice of org-billing.ts's CURRENT_SUBSCRIPTION), null without one. */
  subscription_status: string | null;
}

/** The current subscription's status, chosen as org-billing.ts chooses the current subscription. */
const CURRENT_STATUS = `(SELECT status FROM organization_subscriptions WHERE organization_id = o.id
  ${CURRENT_SUBSCRIPTION_ORDER} LIMIT 1)`;

/**
 * Newest first; `query` matches the name or the slug (a substring, case-folded, taken literally);
 * keyset pagination on (created_at, id). One statement: the member count and the subscription's
 * status are correlated subqueries (memberships' primary key, organization_subscriptions' index).
 */
export async function searchOrganizations(
  db: Database,
  input: { query: string | null; cursor: PageCursor | null; limit: number },
): Promise<AdminOrganizationRow[]> {
  const where = new Where();
  // instr, not LIKE (as searchUsers); slugs are lower-case already.
  if (input.query)
    where.add('(instr(lower(name), lower(?)) > 0 OR instr(slug, lower(?)) > 0)', input.query, input.query);
  where.after(input.cursor);
  const result = await sqlStatement(
    db,
    `SELECT o.id, o.name, o.slug, o.created_at,
       (SELECT COUNT(*) FROM memberships m WHERE m.organization_id = o.id) AS member_count,
       ${CURRENT_STATUS} AS subscription_status
     FROM organizations o ${where} ORDER BY o.created_at DESC, o.id DESC LIMIT ?`,
    ...where.params,
    input.limit,
  ).all<AdminOrganizationRow>();
  return result.results;
}

/** The members the detail lists; the rest are counted. */
export const ADMIN_ORGANIZATION_MEMBERS = 100;

export interface AdminOrganizationDetail {
  organization: {
    id: string;
    name: string;
    slug: string;
    created_by: string | null;
    created_at: number;
    seats_desired: number;
    seats_version: number;
    seats_synced_version: number;
  };
  member_count: number;
  members: { user_id: string; email: string; name: string | null; role: OrgRole; created_at: number }[];
  invitations: {
    id: string;
    email: string;
    role: OrgRole;
    invited_by: string | null;
    created_at: number;
    expires_at: number;
  }[];
  subscription: OrganizationSubscriptionRow | null;
}

/**
 * One organization (null when there is none) with its first members by join time and their count,
 * its pending invitations (at most its cap of them) and its current subscription, in one batch.
 */
export async function findAdminOrganizationDetail(
  db: Database,
  organizationId: string,
  now: Date,
): Promise<AdminOrganizationDetail | null> {
  const [organizations, members, invitations, subscriptions] = await runBatch(db, [
    sqlStatement(
      db,
      `SELECT id, name, slug, created_by, created_at, seats_desired, seats_version, seats_synced_version,
         (SELECT COUNT(*) FROM memberships m WHERE m.organization_id = organizations.id) AS member_count
       FROM organizations WHERE id = ?`,
      organizationId,
    ),
    sqlStatement(
      db,
      `SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.organization_id = ? ORDER BY m.created_at, m.user_id LIMIT ?`,
      organizationId,
      ADMIN_ORGANIZATION_MEMBERS,
    ),
    sqlStatement(
      db,
      `SELECT id, email, role, invited_by, created_at, expires_at FROM invitations
       WHERE organization_id = ? AND expires_at > ? ORDER BY created_at DESC, id DESC`,
      organizationId,
      now.getTime(),
    ),
    selectCurrentOrganizationSubscriptionStatement(db, organizationId),
  ]);
  const row = rowsOf<AdminOrganizationDetail['organization'] & { member_count: number }>(organizations)[0];
  if (!row) return null;
  const { member_count, ...organization } = row;
  return {
    organization,
    member_count,
    members: rowsOf(members),
    invitations: rowsOf(invitations),
    subscription: rowsOf<OrganizationSubscriptionRow>(subscriptions)[0] ?? null,
  };
}
