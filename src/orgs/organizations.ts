// Organizations: creating, reading, renaming and deleting one, and its members (listed, given a
// role, removed, leaving). Roles rank member < admin < owner: members read, admins manage members,
// owners may also delete the organization; a role grants at most the granter's own; an
// organization always keeps an owner. Every change re-checks the actor's membership inside its own
// statement, so a member removed a moment ago cannot act.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { auditStatement } from '../db/audit-log';
import { allOf, rowsOf, runBatch } from '../db/client';
import { recordSeatsStatement } from '../db/org-billing';
import { closeOrganizationBilling } from './billing';
import { membershipOf, membershipWithRole, noSuchOrganization, roleRequired } from './membership';
import {
  actsAtLeast,
  countMemberships,
  deleteOrganizationStatement,
  insertMembershipStatement,
  insertOrganizationStatement,
  listMembers,
  listMyOrganizations,
  membershipFactsOf,
  membershipFactsStatement,
  ORG_ROLE_RANK,
  organizationExists,
  removalCondition,
  removeMemberStatement,
  renameOrganizationStatement,
  roleChangeCondition,
  selectMyOrganizationStatement,
  setMemberRoleStatement,
  slugFreeCondition,
  type MembershipFacts,
  type MemberRow,
  type MyOrganizationRow,
} from '../db/organizations';
import type { OrgRole } from '../db/schema';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { newId, randomToken } from '../lib/crypto';
import { encodeCursor, positionFrom } from '../lib/cursor';

export function toOrganizationView(row: MyOrganizationRow) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    role: row.role,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function toMemberView(row: MemberRow) {
  return {
    user_id: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    joined_at: new Date(row.created_at).toISOString(),
  };
}

const slugTaken = () => new AppError('SLUG_TAKEN');

/** A slug from a name: lower-case ASCII letters and digits joined by hyphens (`Acme Inc.` → `acme-inc`). */
export function slugFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug.length >= 3 ? slug : `org-${slug}`.replace(/-$/, '');
}

/** Organizations one account may belong to: bounds what one account can create (and list). */
export const MAX_ORGANIZATIONS_PER_USER = 100;

const randomSuffix = () =>
  randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 5) || 'x';

/**
 * POST /api/orgs: the creator is its owner. A slug given and taken is 409 SLUG_TAKEN; one made
 * from the name gets a random suffix when the plain one is taken.
 */
export async function createOrganization(deps: Deps, auth: AccessTokenClaims, input: { name: string; slug?: string }) {
  const base = input.slug ?? slugFromName(input.name);
  const candidates = input.slug ? [base] : [base, `${base}-${randomSuffix()}`];
  for (const slug of candidates) {
    const id = newId();
    const created = organizationExists(id);
    const results = await runBatch(deps.db, [
      insertOrganizationStatement(deps.db, {
        id,
        name: input.name,
        slug,
        createdBy: auth.userId,
        now: deps.now,
        maxMemberships: MAX_ORGANIZATIONS_PER_USER,
      }),
      insertMembershipStatement(deps.db, { organizationId: id, userId: auth.userId, role: 'owner', now: deps.now }),
      auditStatement(
        deps,
        { action: 'org.created', userId: auth.userId, metadata: { organization_id: id, slug } },
        created,
      ),
      selectMyOrganizationStatement(deps.db, id, auth.userId),
    ]);
    const row = rowsOf<MyOrganizationRow>(results[3])[0];
    if (row) return toOrganizationView(row);
    if ((await countMemberships(deps.db, auth.userId)) >= MAX_ORGANIZATIONS_PER_USER) {
      throw new AppError('ORG_LIMIT_REACHED');
    }
  }
  throw slugTaken();
}

export async function listMyOrganizationsView(deps: Deps, auth: AccessTokenClaims) {
  const rows = await listMyOrganizations(deps.db, auth.userId);
  return { organizations: rows.map(toOrganizationView) };
}

export async function getOrganization(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  return toOrganizationView(await membershipOf(deps, auth, organizationId));
}

/** PATCH /api/orgs/{id}: admins and owners change the name and the slug. */
export async function renameOrganization(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  input: { name?: string; slug?: string },
) {
  // One batch: the change under its conditions, then the caller's view, which explains a refusal.
  const name = input.name ?? null;
  const slug = input.slug ?? null;
  const when = actsAtLeast(organizationId, auth.userId, 'admin');
  const results = await runBatch(deps.db, [
    renameOrganizationStatement(deps.db, { organizationId, name, slug, now: deps.now, when }),
    auditStatement(
      deps,
      { action: 'org.renamed', userId: auth.userId, metadata: { organization_id: organizationId, ...input } },
      allOf(when, slugFreeCondition(slug ?? '', organizationId)),
    ),
    selectMyOrganizationStatement(deps.db, organizationId, auth.userId),
  ]);
  const after = rowsOf<MyOrganizationRow>(results[2])[0];
  if (!after) throw noSuchOrganization();
  if (results[0]?.meta.changes !== 1) {
    if (ORG_ROLE_RANK[after.role] < ORG_ROLE_RANK.admin) throw roleRequired('admin');
    throw slugTaken();
  }
  return toOrganizationView(after);
}

/**
 * DELETE /api/orgs/{id}: owners only; memberships go with it. Its Stripe customer (so its
 * subscription) is deleted at Stripe first (a failure stops the deletion, 502 BILLING_UNAVAILABLE), as
 * for a deleted account.
 */
export async function deleteOrganization(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  await membershipWithRole(deps, auth, organizationId, 'owner');
  await closeOrganizationBilling(deps, organizationId);
  const owner = actsAtLeast(organizationId, auth.userId, 'owner');
  const results = await runBatch(deps.db, [
    auditStatement(
      deps,
      { action: 'org.deleted', userId: auth.userId, metadata: { organization_id: organizationId } },
      owner,
    ),
    deleteOrganizationStatement(deps.db, organizationId, owner),
  ]);
  // D1 counts the memberships the delete cascades to as changes too.
  if ((results[1]?.meta.changes ?? 0) > 0) return;
  await membershipOf(deps, auth, organizationId);
  throw roleRequired('owner');
}

/** GET /api/orgs/{id}/members: every member may list them, oldest first. */
export async function listOrganizationMembers(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  input: { cursor?: string; limit: number },
) {
  const after = positionFrom(input.cursor);
  await membershipOf(deps, auth, organizationId);
  const rows = await listMembers(deps.db, { organizationId, after, limit: input.limit + 1 });
  const members = rows.slice(0, input.limit);
  const last = members[members.length - 1];
  return {
    members: members.map(toMemberView),
    next_cursor:
      rows.length > input.limit && last ? encodeCursor({ createdAt: last.created_at, id: last.user_id }) : null,
  };
}

/** Why a membership change did not take effect, from the facts read in its batch. */
function refusal(facts: MembershipFacts, wanted: { role?: OrgRole; leaving: boolean }): AppError {
  if (!facts.actorRole) return noSuchOrganization();
  if (!facts.memberRole) return notFound('No such member.');
  const actor = ORG_ROLE_RANK[facts.actorRole];
  const needed = Math.max(
    wanted.leaving ? 0 : ORG_ROLE_RANK.admin,
    wanted.role ? ORG_ROLE_RANK[wanted.role] : 0,
    wanted.leaving ? 0 : ORG_ROLE_RANK[facts.memberRole],
  );
  if (actor < needed) {
    const role = (Object.keys(ORG_ROLE_RANK) as OrgRole[]).find((r) => ORG_ROLE_RANK[r] === needed)!;
    return roleRequired(role);
  }
  if (facts.memberRole === 'owner' && facts.owners === 1 && wanted.role !== 'owner') {
    return new AppError(
      'LAST_OWNER',
      wanted.leaving
        ? 'You are the last owner: make another member an owner first, or delete the organization.'
        : undefined,
    );
  }
  return new AppError('INTERNAL_ERROR');
}

/** PATCH /api/orgs/{id}/members/{userId}: admins and owners, granting at most their own role. */
export async function changeMemberRole(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  memberId: string,
  role: OrgRole,
) {
  const change = { organizationId, actorId: auth.userId, memberId, role };
  const results = await runBatch(deps.db, [
    auditStatement(
      deps,
      {
        action: 'org.member_role_changed',
        userId: auth.userId,
        metadata: { organization_id: organizationId, member_id: memberId, role },
      },
      roleChangeCondition(change),
    ),
    setMemberRoleStatement(deps.db, change),
    membershipFactsStatement(deps.db, change),
  ]);
  const facts = membershipFactsOf(results[2]);
  if (results[1]?.meta.changes === 1) return { user_id: memberId, role };
  const refused = refusal(facts, { role, leaving: false });
  // Already that role, asked by someone who could have set it: nothing to change.
  if (facts.memberRole === role && refused.code === 'INTERNAL_ERROR') return { user_id: memberId, role };
  throw refused;
}

/** DELETE /api/orgs/{id}/members/{userId} (or the member themself: POST /api/orgs/{id}/leave). */
export async function removeMember(deps: Deps, auth: AccessTokenClaims, organizationId: string, memberId: string) {
  const change = { organizationId, actorId: auth.userId, memberId };
  const leaving = memberId === auth.userId;
  const results = await runBatch(deps.db, [
    auditStatement(
      deps,
      {
        action: leaving ? 'org.member_left' : 'org.member_removed',
        userId: auth.userId,
        metadata: { organization_id: organizationId, member_id: memberId },
      },
      removalCondition(change),
    ),
    // The seat count without the member, in the same batch (seats.ts pushes it to Stripe).
    recordSeatsStatement(deps.db, {
      organizationId,
      now: deps.now,
      leaving: memberId,
      when: removalCondition(change),
    }),
    removeMemberStatement(deps.db, change),
    membershipFactsStatement(deps.db, change),
  ]);
  if (results[2]?.meta.changes === 1) return;
  throw refusal(membershipFactsOf(results[3]), { leaving });
}
