// Queries on passkeys and the WebAuthn challenges of their ceremonies. Loaded with the passkeys code.
import { ALWAYS, sqlStatement, type Condition, type Database, type Statement } from './client';

/** A credential id: WebAuthn allows up to 1023 bytes, 1364 characters of base64url. */
export const MAX_CREDENTIAL_ID_LENGTH = 1364;

export type ChallengePurpose = 'register' | 'sign_in' | 'second_factor' | 'step_up';

export function insertWebAuthnChallengeStatement(
  db: Database,
  input: { challenge: string; purpose: ChallengePurpose; userId: string | null; now: Date; expiresAt: Date },
): Statement {
  return sqlStatement(
    db,
    'INSERT INTO webauthn_challenges (challenge, purpose, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    input.challenge,
    input.purpose,
    input.userId,
    input.now.getTime(),
    input.expiresAt.getTime(),
  );
}

/**
 * Uses the challenge up: deleted, and true, only if it was issued for this purpose (and user) and
 * has not expired. One request wins it, however many present it at once.
 */
export async function takeWebAuthnChallenge(
  db: Database,
  input: { challenge: string; purpose: ChallengePurpose; userId: string | null; now: Date },
): Promise<boolean> {
  const taken = await sqlStatement(
    db,
    `DELETE FROM webauthn_challenges WHERE challenge = ? AND purpose = ? AND user_id IS ? AND expires_at > ?
     RETURNING challenge`,
    input.challenge,
    input.purpose,
    input.userId,
    input.now.getTime(),
  ).all();
  return taken.results.length === 1;
}

export interface PasskeyRow {
  id: string;
  user_id: string;
  name: string;
  public_key: string;
  counter: number;
  transports: string | null;
  device_type: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

export async function listPasskeys(db: Database, userId: string): Promise<PasskeyRow[]> {
  const rows = await sqlStatement(
    db,
    'SELECT * FROM passkeys WHERE user_id = ? ORDER BY created_at, id',
    userId,
  ).all<PasskeyRow>();
  return rows.results;
}

export async function findPasskey(db: Database, id: string): Promise<PasskeyRow | null> {
  return (await sqlStatement(db, 'SELECT * FROM passkeys WHERE id = ?', id).first<PasskeyRow>()) ?? null;
}

/** A user may keep this many passkeys. */
export const MAX_PASSKEYS_PER_USER = 20;

/** Batchable: the new passkey, only while the user has fewer than MAX_PASSKEYS_PER_USER (0 changes otherwise). */
export function insertPasskeyStatement(
  db: Database,
  passkey: Omit<PasskeyRow, 'last_used_at' | 'backed_up'> & { backed_up: boolean },
): Statement {
  return sqlStatement(
    db,
    `INSERT INTO passkeys (id, user_id, name, public_key, counter, transports, device_type, backed_up, created_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
     WHERE (SELECT count(*) FROM passkeys WHERE user_id = ?2) < ${MAX_PASSKEYS_PER_USER}`,
    passkey.id,
    passkey.user_id,
    passkey.name,
    passkey.public_key,
    passkey.counter,
    passkey.transports,
    passkey.device_type,
    passkey.backed_up ? 1 : 0,
    passkey.created_at,
  );
}

/** True while the passkey's counter is still the one the assertion was checked against. */
export const passkeyCounterCondition = (id: string, counter: number): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM passkeys WHERE id = ? AND counter = ?)',
  params: [id, counter],
});

/** Batchable: records a use (the new counter), if `when` holds. */
export function usePasskeyStatement(
  db: Database,
  input: { id: string; counter: number; newCounter: number; now: Date; when: Condition },
): Statement {
  return sqlStatement(
    db,
    `UPDATE passkeys SET counter = ?, last_used_at = ? WHERE id = ? AND counter = ? AND ${input.when.sql}`,
    input.newCounter,
    input.now.getTime(),
    input.id,
    input.counter,
    ...input.when.params,
  );
}

export async function renamePasskey(db: Database, input: { id: string; userId: string; name: string }) {
  const renamed = await sqlStatement(
    db,
    'UPDATE passkeys SET name = ? WHERE id = ? AND user_id = ? RETURNING *',
    input.name,
    input.id,
    input.userId,
  ).first<PasskeyRow>();
  return renamed ?? null;
}

/**
 * Batchable: deletes the user's passkey unless it is their last way to sign in (no password, no
 * linked provider, no other passkey): one conditional statement, so parallel deletes cannot remove
 * the last two.
 */
export function deletePasskeyStatement(
  db: Database,
  input: { id: string; userId: string; when?: Condition },
): Statement {
  const when = input.when ?? ALWAYS;
  return sqlStatement(
    db,
    `DELETE FROM passkeys WHERE id = ?1 AND user_id = ?2 AND (
       (SELECT password_hash FROM users WHERE id = ?2) IS NOT NULL
       OR EXISTS (SELECT 1 FROM oauth_accounts WHERE user_id = ?2)
       OR (SELECT count(*) FROM passkeys WHERE user_id = ?2) > 1)
       AND ${when.sql}
     RETURNING id`,
    input.id,
    input.userId,
    ...when.params,
  );
}

/** True while the user has this passkey: gates a registration's audit entry and email on the insert. */
export const passkeyOwnedCondition = (id: string, userId: string): Condition => ({
  sql: 'EXISTS (SELECT 1 FROM passkeys WHERE id = ? AND user_id = ?)',
  params: [id, userId],
});
