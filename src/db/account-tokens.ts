// Queries on single-use email tokens (verification, password reset).
import { eq } from 'drizzle-orm';
import { ALWAYS, sqlStatement, statementFrom, type Condition, type Database, type Statement } from './client';
import { accountTokens, type AccountToken } from './schema';

export function insertAccountTokenStatement(db: Database, token: typeof accountTokens.$inferInsert): Statement {
  return statementFrom(db, db.insert(accountTokens).values(token));
}

export async function findAccountToken(db: Database, id: string): Promise<AccountToken | null> {
  return (await db.select().from(accountTokens).where(eq(accountTokens.id, id)).get()) ?? null;
}

/** Batchable: marks the token used by this request, if it is still unused and unexpired. */
export function useAccountTokenStatement(
  db: Database,
  input: { id: string; purpose: AccountToken['purpose']; nonce: string; now: Date },
): Statement {
  return sqlStatement(
    db,
    `UPDATE account_tokens SET used_at = ?1, used_by = ?2
     WHERE id = ?3 AND purpose = ?4 AND used_at IS NULL AND expires_at > ?1`,
    input.now.getTime(),
    input.nonce,
    input.id,
    input.purpose,
  );
}

/** True inside a batch only after useAccountTokenStatement succeeded for this request's nonce. */
export function tokenUsedBy(id: string, nonce: string): Condition {
  return { sql: 'EXISTS (SELECT 1 FROM account_tokens WHERE id = ? AND used_by = ?)', params: [id, nonce] };
}

/** Batchable: voids the user's other unused tokens of a purpose (a reset makes older links useless). */
export function voidAccountTokensStatement(
  db: Database,
  input: { userId: string; purpose: AccountToken['purpose']; now: Date; when?: Condition },
): Statement {
  const when = input.when ?? ALWAYS;
  return sqlStatement(
    db,
    `UPDATE account_tokens SET used_at = ?, used_by = 'voided'
     WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND ${when.sql}`,
    input.now.getTime(),
    input.userId,
    input.purpose,
    ...when.params,
  );
}
