// The admin area's view of organizations: search, and one organization with its members, pending
// invitations, subscription and seats (shown as GET /api/orgs/{id}/billing shows them to members).
import type { SubscriptionStatus } from '../billing/subscription';
import {
  findAdminOrganizationDetail,
  searchOrganizations,
  type AdminOrganizationDetail,
  type AdminOrganizationRow,
} from '../db/admin-orgs';
import { readNearby, type Deps } from '../deps';
import { notFound } from '../errors';
import { encodeCursor, positionFrom } from '../lib/cursor';
import { toBillingView } from '../orgs/billing';

const iso = (ms: number) => new Date(ms).toISOString();

function toAdminOrganizationView(row: AdminOrganizationRow) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    created_at: iso(row.created_at),
    member_count: row.member_count,
    subscription_status: (row.subscription_status ?? 'none') as SubscriptionStatus | 'none',
  };
}

export async function listOrganizations(deps: Deps, input: { query?: string; cursor?: string; limit: number }) {
  const rows = await searchOrganizations(deps.replica, {
    query: input.query ?? null,
    cursor: positionFrom(input.cursor),
    limit: input.limit + 1, // one more than the page, to know whether there is a next one
  });
  const items = rows.slice(0, input.limit);
  const last = items[items.length - 1];
  return {
    organizations: items.map(toAdminOrganizationView),
    next_cursor: rows.length > input.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}

function toDetailView(deps: Pick<Deps, 'config'>, detail: AdminOrganizationDetail) {
  const { organization, subscription } = detail;
  return {
    organization: {
      id: organization.id,
      name: organization.name,
      slug: organization.slug,
      created_by: organization.created_by,
      created_at: iso(organization.created_at),
    },
    member_count: detail.member_count,
    members: detail.members.map((m) => ({
      user_id: m.user_id,
      email: m.email,
      name: m.name,
      role: m.role,
      joined_at: iso(m.created_at),
    })),
    invitations: detail.invitations.map((i) => ({
      id: i.id,
      email: i.email,
      role: i.role,
      invited_by: i.invited_by,
      created_at: iso(i.created_at),
      expires_at: iso(i.expires_at),
    })),
    // As members see them (GET /api/orgs/{id}/billing).
    ...toBillingView(deps, organization, subscription),
  };
}

export async function getOrganizationDetail(deps: Deps, organizationId: string) {
  const detail = await readNearby(deps, (db) => findAdminOrganizationDetail(db, organizationId, deps.now));
  if (!detail) throw notFound('No such organization.');
  return toDetailView(deps, detail);
}
