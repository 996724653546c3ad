// Queries on second factors: authenticator apps, recovery codes, the pending second step of a
// sign-in (mfa_challenges) and a session's step-up. Loaded with the second-factors feature.
import { ALWAYS, rowsOf, runBatch, sqlStatement, type Condition, type Database, type Statement } from './client';
import type { OrgRole, User } from './schema';
import { hasSecondFactorSql } from './second-factor-methods';
import { userFromRow, type UserRow } from './users';

// --- Authenticator apps --------------------------------------------------------------------------

export interface TotpFactorRow {
  secret_sealed: string;
  confirmed_at: number | null;
  last_used_step: number;
}

/**
 * The user, their authenticator app (confirmed or being set up) and whether they have a second
 * factor (that app confirmed, or a passkey), in one round trip.
 */
export async function findUserWithTotpFactor(
  db: Database,
  userId: string,
): Promise<{ user: User; totp: TotpFactorRow | null; hasSecondFactor: boolean } | null> {
  const [users, factors, second] = await runBatch(db, [
    sqlStatement(db, 'SELECT * FROM users WHERE id = ?', userId),
    sqlStatement(db, 'SELECT secret_sealed, confirmed_at, last_used_step FROM totp_factors WHERE user_id = ?', userId),
    sqlStatement(db, `SELECT ${hasSecondFactorSql('?1')} AS has`, userId),
  ]);
  const row = rowsOf<UserRow>(users)[0];
  if (!row) return null;
  return {
    user: userFromRow(row),
    totp: rowsOf<TotpFactorRow>(factors)[0] ?? null,
    hasSecondFactor: rowsOf<{ has: number }>(second)[0]?.has === 1,
  };
}

/** Starts (or restarts) setting up an app; a confirmed one is left alone (0 changes). */
export function upsertPendingTotpStatement(
  db: Database,
  input: { userId: string; secretSealed: string; now: Date },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO totp_factors (user_id, secret_sealed, created_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (user_id) DO UPDATE SET secret_sealed = ?2, created_at = ?3, last_used_step = 0
       WHERE totp_factors.confirmed_at IS NULL`,
    input.userId,
    input.secretSealed,
    input.now.getTime(),
  );
}

/**
 * True while the app holding this sealed secret (so not a newer one set up meanwhile) has not
 * accepted a code of this time step or a later one: gates what proving the code writes.
 */
export function totpStepUnusedCondition(input: {
  userId: string;
  secretSealed: string;
  step: number;
  confirmed: boolean;
}): Condition {
  return {
    sql: `EXISTS (SELECT 1 FROM totp_factors WHERE user_id = ? AND secret_sealed = ? AND last_used_step < ?
      AND confirmed_at IS ${input.confirmed ? 'NOT NULL' : 'NULL'})`,
    params: [input.userId, input.secretSealed, input.step],
  };
}

/** Batchable: records the step as used (and confirms the app, when `confirm`), if `when` holds. */
export function useTotpStepStatement(
  db: Database,
  input: { userId: string; step: number; now: Date; confirm?: boolean; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE totp_factors SET last_used_step = ?, confirmed_at = ${input.confirm ? '?' : 'confirmed_at'}
     WHERE user_id = ? AND last_used_step < ? AND ${input.when.sql}`,
    input.step,
    ...(input.confirm ? [input.now.getTime()] : []),
    input.userId,
    input.step,
    ...input.when.params,
  );
}

/** Batchable: removes the app (and, with it gone and no other second factor, the recovery codes). */
export function deleteTotpStatements(db: Database, userId: string, when: Condition): Statement[] {
  return [
    sqlStatement(db, `DELETE FROM totp_factors WHERE user_id = ? AND ${when.sql}`, userId, ...when.params),
    sqlStatement(db, `DELETE FROM recovery_codes WHERE user_id = ?1 AND NOT ${hasSecondFactorSql('?1')}`, userId),
  ];
}

/** Batchable: every second factor of the user (passkeys too), and their pending ceremonies (an admin's reset). */
export function deleteSecondFactorsStatements(db: Database, userId: string): Statement[] {
  return ['totp_factors', 'recovery_codes', 'passkeys', 'mfa_challenges', 'webauthn_challenges'].map((table) =>
    sqlStatement(db, `DELETE FROM ${table} WHERE user_id = ?`, userId),
  );
}

// --- Recovery codes ------------------------------------------------------------------------------

/** Batchable: the new set replaces every earlier code, used or not. */
export function replaceRecoveryCodesStatements(
  db: Database,
  input: { userId: string; codeHashes: string[]; now: Date; when: Condition },
): Statement[] {
  return [
    sqlStatement(
      db,
      `DELETE FROM recovery_codes WHERE user_id = ? AND ${input.when.sql}`,
      input.userId,
      ...input.when.params,
    ),
    sqlStatement(
      db,
      `INSERT INTO recovery_codes (user_id, code_hash, created_at)
       SELECT ?1, j.value, ?2 FROM json_each(?3) j WHERE ${input.when.sql}`,
      input.userId,
      input.now.getTime(),
      JSON.stringify(input.codeHashes),
      ...input.when.params,
    ),
  ];
}

export const recoveryCodeUnusedCondition = (userId: string, codeHash: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM recovery_codes WHERE user_id = ? AND code_hash = ? AND used_at IS NULL)',
  params: [userId, codeHash],
});

export function useRecoveryCodeStatement(
  db: Database,
  input: { userId: string; codeHash: string; now: Date; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL AND ${input.when.sql}`,
    input.now.getTime(),
    input.userId,
    input.codeHash,
    ...input.when.params,
  );
}

export interface SecondFactorStatus {
  totp_confirmed_at: number | null;
  totp_pending: number;
  recovery_codes_left: number;
  passkeys: number;
}

export async function findSecondFactorStatus(db: Database, userId: string): Promise<SecondFactorStatus> {
  const row = await sqlStatement(
    db,
    `SELECT (SELECT confirmed_at FROM totp_factors WHERE user_id = ?1) AS totp_confirmed_at,
       EXISTS (SELECT 1 FROM totp_factors WHERE user_id = ?1 AND confirmed_at IS NULL) AS totp_pending,
       (SELECT count(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL) AS recovery_codes_left,
       (SELECT count(*) FROM passkeys WHERE user_id = ?1) AS passkeys`,
    userId,
  ).first<SecondFactorStatus>();
  return row ?? { totp_confirmed_at: null, totp_pending: 0, recovery_codes_left: 0, passkeys: 0 };
}

// --- The second step of a sign-in -----------------------------------------------------------------

export interface NewMfaChallenge {
  id: string;
  secretHash: string;
  userId: string;
  authMethod: string;
  amr: string;
  passwordHash: string | null;
  providerSubject: string | null;
  redirectTo: string | null;
  now: Date;
  expiresAt: Date;
}

export function insertMfaChallengeStatement(db: Database, challenge: NewMfaChallenge): Statement {
  return sqlStatement(
    db,
    `INSERT INTO mfa_challenges (id, secret_hash, user_id, auth_method, amr, password_hash, provider_subject,
       redirect_to, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    challenge.id,
    challenge.secretHash,
    challenge.userId,
    challenge.authMethod,
    challenge.amr,
    challenge.passwordHash,
    challenge.providerSubject,
    challenge.redirectTo,
    challenge.now.getTime(),
    challenge.expiresAt.getTime(),
  );
}

/** A pending challenge, with what its second step needs: the user and their authenticator app. */
export interface MfaChallengeRow {
  user_id: string;
  auth_method: string;
  amr: string;
  password_hash: string | null;
  provider_subject: string | null;
  redirect_to: string | null;
  totp_secret_sealed: string | null;
  totp_last_used_step: number | null;
  recovery_codes_left: number;
}

/** Batchable: the challenge (read as MfaChallengeRow) while it is pending; with selectChallengeUserStatement. */
export function selectMfaChallengeStatement(db: Database, input: { id: string; secretHash: string; now: Date }) {
  return sqlStatement(
    db,
    `SELECT c.user_id, c.auth_method, c.amr, c.password_hash, c.provider_subject, c.redirect_to,
       t.secret_sealed AS totp_secret_sealed, t.last_used_step AS totp_last_used_step,
       (SELECT count(*) FROM recovery_codes r WHERE r.user_id = c.user_id AND r.used_at IS NULL) AS recovery_codes_left
     FROM mfa_challenges c
     LEFT JOIN totp_factors t ON t.user_id = c.user_id AND t.confirmed_at IS NOT NULL
     WHERE c.id = ? AND c.secret_hash = ? AND c.expires_at > ?`,
    input.id,
    input.secretHash,
    input.now.getTime(),
  );
}

/** Batchable: the challenge's user (read as UserRow). */
export function selectChallengeUserStatement(db: Database, input: { id: string; secretHash: string }) {
  return sqlStatement(
    db,
    'SELECT * FROM users WHERE id = (SELECT user_id FROM mfa_challenges WHERE id = ? AND secret_hash = ?)',
    input.id,
    input.secretHash,
  );
}

/** True while the challenge is unused and unexpired when the batch runs. */
export const mfaChallengePendingCondition = (input: { id: string; now: Date }): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM mfa_challenges WHERE id = ? AND expires_at > ?)',
  params: [input.id, input.now.getTime()],
});

export function deleteMfaChallengeStatement(db: Database, id: string, when: Condition = ALWAYS): Statement {
  return sqlStatement(db, `DELETE FROM mfa_challenges WHERE id = ? AND ${when.sql}`, id, ...when.params);
}

// --- Step-up --------------------------------------------------------------------------------------

/**
 * Batchable: adds `method` to the live session's `amr` and marks a factor proven now, if `when`
 * holds; RETURNING what the new access token needs.
 */
export function stepUpSessionStatement(
  db: Database,
  input: { sessionId: string; userId: string; method: string; now: Date; when: Condition },
): Statement {
  const when = input.when;
  return sqlStatement(
    db,
    `UPDATE sessions SET authenticated_at = ?1,
       amr = CASE WHEN (' ' || amr || ' ') LIKE ('% ' || ?2 || ' %') THEN amr ELSE trim(amr || ' ' || ?2) END
     WHERE id = ?3 AND user_id = ?4 AND revoked_at IS NULL AND expires_at > ?1
       AND EXISTS (SELECT 1 FROM users u WHERE u.id = sessions.user_id AND u.disabled_at IS NULL)
       AND ${when.sql}
     RETURNING amr, authenticated_at,
       (SELECT role FROM users u WHERE u.id = sessions.user_id) AS role,
       active_organization_id AS org_id,
       (SELECT m.role FROM memberships m
        WHERE m.organization_id = sessions.active_organization_id AND m.user_id = sessions.user_id) AS org_role`,
    input.now.getTime(),
    input.method,
    input.sessionId,
    input.userId,
    ...when.params,
  );
}

export interface SteppedUpSession {
  amr: string;
  authenticated_at: number;
  role: 'user' | 'admin';
  org_id: string | null;
  org_role: OrgRole | null;
}

export const steppedUpSessionOf = (result: D1Result | undefined) => rowsOf<SteppedUpSession>(result)[0] ?? null;

/**
 * Batchable: removes the password, only if it is still `passwordHash` (the one just confirmed) and
 * another way to sign in remains (a linked provider or a passkey).
 */
export function removePasswordStatement(db: Database, input: { userId: string; passwordHash: string; now: Date }) {
  return sqlStatement(
    db,
    `UPDATE users SET password_hash = NULL, password_vouched = 0, updated_at = ?1
     WHERE id = ?2 AND password_hash = ?3
       AND (EXISTS (SELECT 1 FROM oauth_accounts WHERE user_id = ?2) OR EXISTS (SELECT 1 FROM passkeys WHERE user_id = ?2))`,
    input.now.getTime(),
    input.userId,
    input.passwordHash,
  );
}

/** True once the user has no password (gates a removal's audit entry and email). */
export const passwordRemovedCondition = (userId: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM users WHERE id = ? AND password_hash IS NULL)',
  params: [userId],
});
