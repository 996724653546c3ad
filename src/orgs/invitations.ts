// Invitations: admins and owners invite an address with a role; the email carries an `id.secret`
// token (only the secret's SHA-256 is stored) that the invited person, signed in with that verified
// address, accepts within 7 days. Accepting inserts the membership and deletes the invitation in
// one batch, so concurrent accepts make one membership and a link works once.
import type { AccessTokenClaims } from '../auth/access-tokens';
import { accountWindow, RATE_RULES, windowsFull } from '../auth/rate-limits';
import { auditStatement } from '../db/audit-log';
import { allOf, rowsOf, runBatch } from '../db/client';
import {
  consumeInvitationStatement,
  findInvitationToAccept,
  insertInvitedMembershipStatement,
  invitationAcceptable,
  invitationFactsOf,
  invitationFactsStatement,
  invitationStored,
  listPendingInvitations,
  revokeInvitationStatement,
  selectInvitationStatement,
  upsertInvitationStatement,
  type InvitationRow,
} from '../db/invitations';
import { recordSeatsStatement } from '../db/org-billing';
import { rateLimitStateStatement, recordRateLimitHitStatement, type RateState } from '../db/rate-limits';
import { actsAtLeast, ORG_ROLE_RANK, selectMyOrganizationStatement, type MyOrganizationRow } from '../db/organizations';
import type { OrgRole } from '../db/schema';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { invitationEmail } from '../email/templates';
import { AppError, notFound } from '../errors';
import { constantTimeEqual, newId, randomToken, sha256Base64Url } from '../lib/crypto';
import { membershipOf, membershipWithRole, roleRequired } from './membership';
import { MAX_ORGANIZATIONS_PER_USER, toOrganizationView } from './organizations';

export const INVITATION_LIFETIME_MS = 7 * 86_400_000;
/** Pending invitations an organization may have at once: bounds its rows and what one admin can mail. */
export const MAX_PENDING_INVITATIONS = 100;
const TOKEN_FORMAT = /^([a-z2-7]{24})\.([A-Za-z0-9_-]{43})$/;

const invitationInvalid = () => new AppError('INVITATION_INVALID');

export function toInvitationView(row: InvitationRow) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invited_by: row.invited_by,
    created_at: new Date(row.created_at).toISOString(),
    expires_at: new Date(row.expires_at).toISOString(),
  };
}

/**
 * POST /api/orgs/{id}/invitations: an admin or owner invites an address, granting at most their own
 * role; inviting an address with a pending invitation replaces it (and voids its link). The email
 * goes through the outbox, in the same batch; the caller delivers `outboxIds` after the response.
 */
export async function inviteMember(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  input: { email: string; role: OrgRole },
) {
  const id = newId();
  const secret = randomToken(32);
  const stored = invitationStored(id);
  const email = queueEmail(deps.db, {
    userId: null,
    to: input.email,
    content: invitationEmail({ appUrl: deps.config.appUrl, token: `${id}.${secret}` }),
    now: deps.now,
    when: stored,
  });
  // Invitations mailed to one address (from any organization: nobody's inbox can be flooded), by one
  // inviter and from one organization (nobody can use the outbox as a relay; revoking gives nothing
  // back). Only an invitation that is stored counts, so a refused one uses up no one's window.
  const windows = [
    accountWindow(RATE_RULES.invitationsPerAddress, input.email),
    accountWindow(RATE_RULES.invitationsPerInviter, auth.userId),
    accountWindow(RATE_RULES.invitationsPerOrganization, organizationId),
  ];
  const facts = { organizationId, email: input.email, invitedBy: auth.userId, now: deps.now };
  const results = await runBatch(deps.db, [
    upsertInvitationStatement(deps.db, {
      ...facts,
      id,
      role: input.role,
      secretHash: await sha256Base64Url(secret),
      expiresAt: new Date(deps.now.getTime() + INVITATION_LIFETIME_MS),
      maxPending: MAX_PENDING_INVITATIONS,
      windows,
    }),
    ...windows.map((window) => recordRateLimitHitStatement(deps.db, window, deps.now, stored)),
    email.statement,
    auditStatement(
      deps,
      {
        action: 'org.member_invited',
        userId: auth.userId,
        metadata: { organization_id: organizationId, invitation_id: id, email: input.email, role: input.role },
      },
      stored,
    ),
    selectInvitationStatement(deps.db, id),
    invitationFactsStatement(deps.db, facts),
    ...windows.map((window) => rateLimitStateStatement(deps.db, window, deps.now)),
  ]);
  const at = 3 + windows.length; // the upsert, the hits, the email, the audit entry
  const row = rowsOf<InvitationRow>(results[at])[0];
  if (row) return { invitation: toInvitationView(row), outboxIds: [email.id] };
  const why = invitationFactsOf(results[at + 1]);
  if (!why.inviterRole) throw notFound('No such organization.');
  const needed = Math.max(
    ORG_ROLE_RANK.admin,
    ORG_ROLE_RANK[input.role],
    why.pendingRole ? ORG_ROLE_RANK[why.pendingRole] : 0,
  );
  if (ORG_ROLE_RANK[why.inviterRole] < needed) {
    throw roleRequired((Object.keys(ORG_ROLE_RANK) as OrgRole[]).find((r) => ORG_ROLE_RANK[r] === needed)!);
  }
  if (!why.inviterVerified) {
    throw new AppError('FORBIDDEN', 'Verify your email address before inviting others.');
  }
  if (why.isMember) throw new AppError('ALREADY_MEMBER');
  if (why.pendingOthers >= MAX_PENDING_INVITATIONS) throw new AppError('INVITATION_LIMIT_REACHED');
  const states = windows.map((_, i) => rowsOf<RateState>(results[at + 2 + i])[0]);
  throw windowsFull(windows, states, deps.now);
}

/** GET /api/orgs/{id}/invitations: pending invitations, for admins and owners. */
export async function listInvitations(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  await membershipWithRole(deps, auth, organizationId, 'admin');
  const rows = await listPendingInvitations(deps.db, organizationId, deps.now);
  return { invitations: rows.map(toInvitationView) };
}

/** DELETE /api/orgs/{id}/invitations/{invitationId}: admins and owners (owners for an owner's invitation). */
export async function revokeInvitation(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  invitationId: string,
) {
  const revoke = { id: invitationId, organizationId, actorId: auth.userId };
  const results = await runBatch(deps.db, [
    selectInvitationStatement(deps.db, invitationId),
    revokeInvitationStatement(deps.db, revoke),
  ]);
  const before = rowsOf<InvitationRow>(results[0])[0];
  if (results[1]?.meta.changes === 1) {
    await auditStatement(deps, {
      action: 'org.invitation_revoked',
      userId: auth.userId,
      metadata: { organization_id: organizationId, invitation_id: invitationId, email: before?.email },
    }).run();
    return;
  }
  const membership = await membershipOf(deps, auth, organizationId);
  if (!before || before.organization_id !== organizationId) throw notFound('No such invitation.');
  const needed = Math.max(ORG_ROLE_RANK.admin, ORG_ROLE_RANK[before.role]);
  if (ORG_ROLE_RANK[membership.role] < needed) throw roleRequired(needed === ORG_ROLE_RANK.owner ? 'owner' : 'admin');
  throw notFound('No such invitation.');
}

/**
 * POST /api/orgs/invitations/accept: the signed-in account, with the invited address verified,
 * becomes a member with the invited role. Accepting again after success (a double click, a second
 * tab) answers with the organization; the invitation itself is gone.
 */
export async function acceptInvitation(deps: Deps, auth: AccessTokenClaims, token: string) {
  const match = TOKEN_FORMAT.exec(token);
  if (!match) throw invitationInvalid();
  const [, id, secret] = match as unknown as [string, string, string];
  const secretHash = await sha256Base64Url(secret);
  const found = await findInvitationToAccept(deps.db, id, auth.userId);
  const hashMatches = constantTimeEqual(
    new TextEncoder().encode(secretHash),
    new TextEncoder().encode(found?.secret_hash ?? ''),
  );
  if (!found || !hashMatches || found.expires_at <= deps.now.getTime()) throw invitationInvalid();
  if (found.user_email !== found.email) {
    throw new AppError(
      'INVITATION_EMAIL_MISMATCH',
      'This invitation is for another email address: sign in with the address it was sent to.',
    );
  }
  if (!found.user_email_verified) {
    throw new AppError('INVITATION_EMAIL_MISMATCH', 'Verify your email address first, then accept the invitation.');
  }
  if (!found.inviter_may) {
    throw new AppError('INVITATION_INVALID', 'This invitation is no longer valid: ask the organization for a new one.');
  }
  if (found.user_memberships >= MAX_ORGANIZATIONS_PER_USER) throw new AppError('ORG_LIMIT_REACHED');
  const acceptable = invitationAcceptable({ id, secretHash, userId: auth.userId, now: deps.now });
  const member = actsAtLeast(found.organization_id, auth.userId, 'member');
  const results = await runBatch(deps.db, [
    insertInvitedMembershipStatement(deps.db, {
      id,
      userId: auth.userId,
      now: deps.now,
      maxMemberships: MAX_ORGANIZATIONS_PER_USER,
      when: acceptable,
    }),
    auditStatement(
      deps,
      {
        action: 'org.invitation_accepted',
        userId: auth.userId,
        metadata: { organization_id: found.organization_id, invitation_id: id, role: found.role },
      },
      allOf(acceptable, member),
    ),
    // The seat count, in the same batch as the membership (seats.ts pushes it to Stripe).
    recordSeatsStatement(deps.db, { organizationId: found.organization_id, now: deps.now, when: acceptable }),
    consumeInvitationStatement(deps.db, { id, userId: auth.userId, when: acceptable }),
    selectMyOrganizationStatement(deps.db, found.organization_id, auth.userId),
  ]);
  const organization = rowsOf<MyOrganizationRow>(results[4])[0];
  if (organization) return toOrganizationView(organization);
  // Not a member: the invitation went in the meantime (used, revoked, replaced), or its sender's role did.
  throw invitationInvalid();
}
