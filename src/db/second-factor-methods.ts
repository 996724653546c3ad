// Which second factors an account has: read by password login in its first batch (so it costs no
// extra round trip), by OAuth sign-in, and by the live-session check of the routes that demand one.
import { sqlStatement, type Database, type Statement } from './client';

const totpSql = (userIdSql: string) =>
  `EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = ${userIdSql} AND t.confirmed_at IS NOT NULL)`;
const passkeySql = (userIdSql: string) => `EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = ${userIdSql})`;
const recoveryCodeSql = (userIdSql: string) =>
  `EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = ${userIdSql} AND r.used_at IS NULL)`;

/**
 * SQL true when the user (`userIdSql`, a column or `?`) has a second factor: a confirmed
 * authenticator app or a passkey.
 */
export const hasSecondFactorSql = (userIdSql: string) => `(${totpSql(userIdSql)} OR ${passkeySql(userIdSql)})`;

export interface SecondFactorMethodsRow {
  totp: number;
  passkey: number;
  recovery_code: number;
}

const METHOD_COLUMNS = (userIdSql: string) =>
  `${totpSql(userIdSql)} AS totp, ${passkeySql(userIdSql)} AS passkey, ${recoveryCodeSql(userIdSql)} AS recovery_code`;

/** Batchable: the second factors of the account with this email (no row when there is none). */
export function selectSecondFactorMethodsByEmailStatement(db: Database, email: string): Statement {
  return sqlStatement(db, `SELECT ${METHOD_COLUMNS('u.id')} FROM users u WHERE u.email = ?`, email);
}

/** The second factors of a user (OAuth sign-in: the user is known by its link). */
export async function findSecondFactorMethods(db: Database, userId: string): Promise<SecondFactorMethod[]> {
  const row = await sqlStatement(db, `SELECT ${METHOD_COLUMNS('?1')}`, userId).first<SecondFactorMethodsRow>();
  return secondFactorMethods(row ?? undefined);
}

/** What the second step of a sign-in may use, in the order a front end should offer them. */
export type SecondFactorMethod = 'passkey' | 'totp' | 'recovery_code';

/** The methods from a row; empty when the account has no second factor (recovery codes alone are not one). */
export function secondFactorMethods(row: SecondFactorMethodsRow | undefined): SecondFactorMethod[] {
  if (!row || (row.totp !== 1 && row.passkey !== 1)) return [];
  const methods: SecondFactorMethod[] = [];
  if (row.passkey === 1) methods.push('passkey');
  if (row.totp === 1) methods.push('totp');
  if (row.recovery_code === 1) methods.push('recovery_code');
  return methods;
}
