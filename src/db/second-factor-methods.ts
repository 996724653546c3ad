// Which second factors an account has: read by password login in its first batch (so it costs no
// extra round trip), and by the live-session check of the routes that demand a second factor.
import { sqlStatement, type Database, type Statement } from './client';

/** SQL true when the user (`userIdSql`, a column or `?`) has a second factor: a confirmed authenticator app. */
export const hasSecondFactorSql = (userIdSql: string) =>
  `EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = ${userIdSql} AND t.confirmed_at IS NOT NULL)`;

export interface SecondFactorMethodsRow {
  totp: number;
  recovery_code: number;
}

/** Batchable: the second factors of the account with this email (no row when there is none). */
export function selectSecondFactorMethodsByEmailStatement(db: Database, email: string): Statement {
  return sqlStatement(
    db,
    `SELECT ${hasSecondFactorSql('u.id')} AS totp,
       EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL) AS recovery_code
     FROM users u WHERE u.email = ?`,
    email,
  );
}

/** The second factors of a user (OAuth sign-in: the user is known by its link). */
export async function findSecondFactorMethods(db: Database, userId: string): Promise<SecondFactorMethod[]> {
  const row = await sqlStatement(
    db,
    `SELECT ${hasSecondFactorSql('?1')} AS totp,
       EXISTS (SELECT 1 FROM recovery_codes r WHERE r.user_id = ?1 AND r.used_at IS NULL) AS recovery_code`,
    userId,
  ).first<SecondFactorMethodsRow>();
  return secondFactorMethods(row ?? undefined);
}

/** What the second step of a sign-in may use, in the order a front end should offer them. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

/** The methods from a row; empty when the account has no second factor (recovery codes alone are not one). */
export function secondFactorMethods(row: SecondFactorMethodsRow | undefined): SecondFactorMethod[] {
  if (!row || row.totp !== 1) return [];
  return row.recovery_code === 1 ? ['totp', 'recovery_code'] : ['totp'];
}
