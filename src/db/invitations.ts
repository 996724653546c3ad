// Queries on invitations to organizations. An invitation is a row until it is accepted (the same
// batch inserts the membership and deletes the row, so it works once), revoked, replaced or expired.
import { rowsOf, sqlStatement, type Condition, type Database, type Statement } from './client';
import { rankSql } from './organizations';
import type { RateWindow } from './rate-limits';
import type { OrgRole } from './schema';

export interface InvitationRow {
  id: string;
  organization_id: string;
  email: string;
  role: OrgRole;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
}

const INVITATION_COLUMNS = 'id, organization_id, email, role, invited_by, created_at, expires_at';

/**
 * Batchable: the invitation, or the pending one to the same address replaced by it (a new id and
 * secret, so the earlier email's link stops working). Only when the inviter is an admin or owner of
 * the organization granting at most their own role (replacing needs that rank over the old role
 * too) and has a verified address, the invited address is not a member's, the organization has
 * fewer than `maxPending` other pending invitations, and every rate-limit window has room.
 */
export function upsertInvitationStatement(
  db: Database,
  input: {
    id: string;
    organizationId: string;
    email: string;
    role: OrgRole;
    secretHash: string;
    invitedBy: string;
    now: Date;
    expiresAt: Date;
    maxPending: number;
    /** Rate-limit windows that must have room (counted by recordRateLimitHitStatement after). */
    windows: RateWindow[];
  },
): Statement {
  // ?10 onwards: each window's key, start and limit.
  const room = input.windows
    .map(
      (_, i) =>
        `AND (SELECT COUNT(*) FROM rate_limit_hits WHERE key = ?${10 + 3 * i} AND hit_at > ?${11 + 3 * i}) < ?${12 + 3 * i}`,
    )
    .join(' ');
  const inviterRank = `(SELECT ${rankSql('role')} FROM memberships WHERE organization_id = ?2 AND user_id = ?6)`;
  return sqlStatement(
    db,
    `INSERT INTO invitations (id, organization_id, email, role, secret_hash, invited_by, created_at, expires_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
     WHERE ${inviterRank} >= MAX(2, ${rankSql('?4')})
       AND NOT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                       WHERE m.organization_id = ?2 AND u.email = ?3)
       AND (SELECT COUNT(*) FROM invitations WHERE organization_id = ?2 AND email != ?3 AND expires_at > ?7) < ?9
       AND EXISTS (SELECT 1 FROM users WHERE id = ?6 AND email_verified_at IS NOT NULL)
       ${room}
     ON CONFLICT (organization_id, email) DO UPDATE SET id = excluded.id, role = excluded.role,
       secret_hash = excluded.secret_hash, invited_by = excluded.invited_by, created_at = excluded.created_at,
       expires_at = excluded.expires_at
     WHERE ${inviterRank} >= ${rankSql('invitations.role')}`,
    input.id,
    input.organizationId,
    input.email,
    input.role,
    input.secretHash,
    input.invitedBy,
    input.now.getTime(),
    input.expiresAt.getTime(),
    input.maxPending,
    ...input.windows.flatMap((window) => [window.key, input.now.getTime() - window.windowMs, window.limit]),
  );
}

export const invitationStored = (id: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM invitations WHERE id = ?)',
  params: [id],
});

export interface InvitationFacts {
  inviterRole: OrgRole | null;
  inviterVerified: number;
  /** The address is a member's already. */
  isMember: number;
  /** The role of the pending invitation to the address, if any. */
  pendingRole: OrgRole | null;
  /** Pending invitations to other addresses. */
  pendingOthers: number;
}

/** Batchable: what explains a refused invitation. */
export function invitationFactsStatement(
  db: Database,
  input: { organizationId: string; email: string; invitedBy: string; now: Date },
): Statement {
  return sqlStatement(
    db,
    `SELECT (SELECT role FROM memberships WHERE organization_id = ?1 AND user_id = ?2) AS inviterRole,
            EXISTS (SELECT 1 FROM users WHERE id = ?2 AND email_verified_at IS NOT NULL) AS inviterVerified,
            EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                    WHERE m.organization_id = ?1 AND u.email = ?3) AS isMember,
            (SELECT role FROM invitations WHERE organization_id = ?1 AND email = ?3 AND expires_at > ?4) AS pendingRole,
            (SELECT COUNT(*) FROM invitations WHERE organization_id = ?1 AND email != ?3 AND expires_at > ?4) AS pendingOthers`,
    input.organizationId,
    input.invitedBy,
    input.email,
    input.now.getTime(),
  );
}

export const invitationFactsOf = (result: D1Result | undefined): InvitationFacts =>
  rowsOf<InvitationFacts>(result)[0] ?? {
    inviterRole: null,
    inviterVerified: 0,
    isMember: 0,
    pendingRole: null,
    pendingOthers: 0,
  };

export function selectInvitationStatement(db: Database, id: string): Statement {
  return sqlStatement(db, `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE id = ?`, id);
}

/** An organization's pending invitations, newest first (at most its cap of them, so no pages). */
export async function listPendingInvitations(
  db: Database,
  organizationId: string,
  now: Date,
): Promise<InvitationRow[]> {
  const result = await sqlStatement(
    db,
    `SELECT ${INVITATION_COLUMNS} FROM invitations WHERE organization_id = ? AND expires_at > ?
     ORDER BY created_at DESC, id DESC`,
    organizationId,
    now.getTime(),
  ).all<InvitationRow>();
  return result.results;
}

/** Batchable: revokes the invitation if `actorId` is an admin or owner of its organization with at least its role. */
export function revokeInvitationStatement(
  db: Database,
  input: { id: string; organizationId: string; actorId: string },
): Statement {
  return sqlStatement(
    db,
    `DELETE FROM invitations WHERE id = ?1 AND organization_id = ?2
       AND (SELECT ${rankSql('role')} FROM memberships WHERE organization_id = ?2 AND user_id = ?3)
           >= MAX(2, ${rankSql('invitations.role')})`,
    input.id,
    input.organizationId,
    input.actorId,
  );
}

/** What accepting reads first: the invitation with its secret's hash, and the accepting account's address. */
export interface InvitationToAccept extends InvitationRow {
  secret_hash: string;
  user_email: string;
  user_email_verified: number;
  /** 1 while whoever invited is still an admin or owner with at least the invited role. */
  inviter_may: number;
  /** The organizations the accepting account belongs to. */
  user_memberships: number;
}

/**
 * An invitation is only as good as its sender's authority: once they are removed, leave, or are
 * demoted below the role they granted (or below admin), it can no longer be accepted, so a member
 * cannot plant invitations to win back a role taken from them.
 */
const INVITER_MAY = `(SELECT ${rankSql('m.role')} FROM memberships m
  WHERE m.organization_id = i.organization_id AND m.user_id = i.invited_by) >= MAX(2, ${rankSql('i.role')})`;

export async function findInvitationToAccept(
  db: Database,
  id: string,
  userId: string,
): Promise<InvitationToAccept | null> {
  return sqlStatement(
    db,
    `SELECT i.id, i.organization_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.secret_hash,
            u.email AS user_email, u.email_verified_at IS NOT NULL AS user_email_verified,
            coalesce(${INVITER_MAY}, 0) AS inviter_may,
            (SELECT COUNT(*) FROM memberships WHERE user_id = ?1) AS user_memberships
     FROM invitations i JOIN users u ON u.id = ?1 WHERE i.id = ?2`,
    userId,
    id,
  ).first<InvitationToAccept>();
}

/**
 * The invitation is still there, unchanged and unexpired, its sender still may grant it, and the
 * account still has its verified address and is enabled: what the accept batch's statements are gated on.
 */
export const invitationAcceptable = (input: {
  id: string;
  secretHash: string;
  userId: string;
  now: Date;
}): Condition => ({
  sql: `EXISTS (SELECT 1 FROM invitations i JOIN users u ON u.id = ? WHERE i.id = ? AND i.secret_hash = ?
    AND i.expires_at > ? AND u.email = i.email AND u.email_verified_at IS NOT NULL AND u.disabled_at IS NULL
    AND ${INVITER_MAY})`,
  params: [input.userId, input.id, input.secretHash, input.now.getTime()],
});

/**
 * Batchable: the membership the invitation grants, when `when` holds and the account belongs to fewer
 * than `maxMemberships` organizations. A member already keeps their role.
 */
export function insertInvitedMembershipStatement(
  db: Database,
  input: { id: string; userId: string; now: Date; maxMemberships: number; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO memberships (organization_id, user_id, role, created_at)
     SELECT organization_id, ?, role, ? FROM invitations WHERE id = ?
       AND (SELECT COUNT(*) FROM memberships WHERE user_id = ?) < ? AND ${input.when.sql}
     ON CONFLICT DO NOTHING`,
    input.userId,
    input.now.getTime(),
    input.id,
    input.userId,
    input.maxMemberships,
    ...input.when.params,
  );
}

/** Batchable: uses up the invitation once the account is a member of its organization (under `when`). */
export function consumeInvitationStatement(
  db: Database,
  input: { id: string; userId: string; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `DELETE FROM invitations WHERE id = ?
       AND EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = invitations.organization_id AND m.user_id = ?)
       AND ${input.when.sql}`,
    input.id,
    input.userId,
    ...input.when.params,
  );
}
