// Single-use email tokens: `id.secret`, only a SHA-256 of the secret stored, compared in constant time.
import { findAccountToken, insertAccountTokenStatement } from '../db/account-tokens';
import type { AccountToken, User } from '../db/schema';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { constantTimeEqual, newId, randomToken, sha256Base64Url } from '../lib/crypto';

type Purpose = AccountToken['purpose'];

const HOUR = 3_600_000;
export const TOKEN_LIFETIME_MS: Record<Purpose, number> = { verify_email: 24 * HOUR, reset_password: HOUR };
const TOKEN_FORMAT = /^([a-z2-7]{24})\.([A-Za-z0-9_-]{43})$/;

export const invalidToken = () =>
  new AppError('TOKEN_INVALID', 'This link is invalid, used or expired.', { status: 400 });

/** A new token for the user's current address, and the statement that stores its hash. */
export async function newAccountToken(deps: Deps, user: User, purpose: Purpose) {
  const id = newId();
  const secret = randomToken(32);
  const statement = insertAccountTokenStatement(deps.db, {
    id,
    userId: user.id,
    purpose,
    secretHash: await sha256Base64Url(secret),
    email: user.email,
    createdAt: deps.now,
    expiresAt: new Date(deps.now.getTime() + TOKEN_LIFETIME_MS[purpose]),
  });
  return { token: `${id}.${secret}`, id, statement };
}

/** The stored token when `presented` is a live token of this purpose; else 400 TOKEN_INVALID. */
export async function checkAccountToken(deps: Deps, presented: string, purpose: Purpose): Promise<AccountToken> {
  const match = TOKEN_FORMAT.exec(presented);
  if (!match) throw invalidToken();
  const [, id, secret] = match;
  const stored = await findAccountToken(deps.db, id!);
  // Hash anyway when the id is unknown, so the answer takes the same time either way.
  const presentedHash = new TextEncoder().encode(await sha256Base64Url(secret!));
  const storedHash = new TextEncoder().encode(stored?.secretHash ?? '');
  const secretMatches = constantTimeEqual(presentedHash, storedHash);
  if (!stored || !secretMatches || stored.purpose !== purpose) throw invalidToken();
  if (stored.usedAt !== null || stored.expiresAt.getTime() <= deps.now.getTime()) throw invalidToken();
  return stored;
}
