// Accounts: registration and password login, with their rate limits and audit entries.
import { findUserWithCurrentSubscription } from '../db/billing';
import { rowsOf, runBatch } from '../db/client';
import {
  clearRateLimitStatement,
  rateLimitStateStatement,
  recordRateLimitHitStatement,
  takeRateLimitStatement,
  type RateState,
} from '../db/rate-limits';
import type { User } from '../db/schema';
import {
  insertUserStatement,
  isUniqueEmailViolation,
  selectUserByEmailStatement,
  updatePasswordHashStatement,
  updateUserName,
  userFromRow,
  type UserRow,
} from '../db/users';
import { AppError, notFound } from '../errors';
import { newId } from '../lib/crypto';
import { verificationEmailStatements } from './email-verification';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from './passwords';
import { isFull, RATE_RULES, rateLimited, rateWindow } from './rate-limits';
import { auditStatement, issueTokens, newSession, type AuthDeps, type IssuedTokens } from './sessions';

export interface UserView {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  role: 'user' | 'admin';
  created_at: string;
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    email_verified: user.emailVerifiedAt !== null,
    role: user.role,
    created_at: user.createdAt.toISOString(),
  };
}

export interface SignedIn {
  user: User;
  tokens: IssuedTokens & { refreshToken: string };
  /** Emails queued by this request, to deliver after the response. */
  outboxIds: string[];
}

/** POST /register: one batch creates the user, their first session, the verification email and the audit entry. */
export async function registerAccount(
  deps: AuthDeps,
  input: { email: string; password: string; name: string | null },
): Promise<SignedIn> {
  const window = rateWindow(RATE_RULES.registrationsPerAddress, deps.client.ip);
  const [taken, state] = await runBatch(deps.db, [
    takeRateLimitStatement(deps.db, window, deps.now),
    rateLimitStateStatement(deps.db, window, deps.now),
  ]);
  if (rowsOf(taken).length === 0) throw rateLimited(window, rowsOf<RateState>(state)[0], deps.now);
  const user: User = {
    id: newId(),
    email: input.email,
    name: input.name,
    passwordHash: await hashPassword(input.password),
    role: 'user',
    emailVerifiedAt: null,
    disabledAt: null,
    createdAt: deps.now,
    updatedAt: deps.now,
    stripeCustomerId: null,
  };
  const session = await newSession(deps, user, 'password');
  const verification = await verificationEmailStatements(deps, user);
  try {
    await runBatch(deps.db, [
      insertUserStatement(deps.db, user),
      ...session.statements,
      ...verification.statements,
      auditStatement(deps, { action: 'register', userId: user.id }),
    ]);
  } catch (err) {
    // The unique index decides, so two concurrent sign-ups with one email can't both win.
    if (isUniqueEmailViolation(err)) throw new AppError(409, 'EMAIL_TAKEN', 'An account with this email already exists.');
    throw err;
  }
  const tokens = await issueTokens(deps, { userId: user.id, sessionId: session.sessionId, role: user.role }, session.refreshToken);
  return { user, tokens: { ...tokens, refreshToken: session.refreshToken }, outboxIds: [verification.outboxId] };
}

const invalidCredentials = () => new AppError(401, 'INVALID_CREDENTIALS', 'The email or password is not correct.');

/**
 * POST /login in two D1 round trips: (1) rate-limit bookkeeping and the user, (2) the outcome.
 * Unknown emails verify against a dummy hash so they cost the same time as wrong passwords.
 */
export async function loginWithPassword(deps: AuthDeps, input: { email: string; password: string }): Promise<SignedIn> {
  const perAddress = rateWindow(RATE_RULES.loginPerAddress, deps.client.ip);
  const perAccount = rateWindow(RATE_RULES.failedLoginsPerAccount, input.email);
  const [addressTaken, addressState, accountState, userRows] = await runBatch(deps.db, [
    takeRateLimitStatement(deps.db, perAddress, deps.now),
    rateLimitStateStatement(deps.db, perAddress, deps.now),
    rateLimitStateStatement(deps.db, perAccount, deps.now),
    selectUserByEmailStatement(deps.db, input.email),
  ]);
  if (rowsOf(addressTaken).length === 0) throw rateLimited(perAddress, rowsOf<RateState>(addressState)[0], deps.now);
  // Locked accounts answer 429 even to the right password, until the window passes.
  const failures = rowsOf<RateState>(accountState)[0];
  if (isFull(perAccount, failures)) throw rateLimited(perAccount, failures, deps.now);

  const row = rowsOf<UserRow>(userRows)[0];
  const user = row ? userFromRow(row) : null;
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !user.passwordHash || !passwordOk) {
    await runBatch(deps.db, [
      recordRateLimitHitStatement(deps.db, perAccount.key, deps.now),
      auditStatement(deps, { action: 'login.failed', userId: user?.id ?? null, metadata: { email: input.email } }),
    ]);
    throw invalidCredentials();
  }
  // Checked after the password, so a disabled account is only revealed to someone who knows it.
  if (user.disabledAt !== null) {
    await auditStatement(deps, { action: 'login.refused_disabled', userId: user.id }).run();
    throw new AppError(403, 'ACCOUNT_DISABLED', 'This account has been disabled.');
  }
  const session = await newSession(deps, user, 'password');
  const upgrade = needsRehash(user.passwordHash)
    ? [updatePasswordHashStatement(deps.db, { userId: user.id, passwordHash: await hashPassword(input.password), now: deps.now })]
    : [];
  await runBatch(deps.db, [
    ...session.statements,
    clearRateLimitStatement(deps.db, perAccount.key),
    auditStatement(deps, { action: 'login.succeeded', userId: user.id, metadata: { session_id: session.sessionId } }),
    ...upgrade,
  ]);
  const tokens = await issueTokens(deps, { userId: user.id, sessionId: session.sessionId, role: user.role }, session.refreshToken);
  return { user, tokens: { ...tokens, refreshToken: session.refreshToken }, outboxIds: [] };
}

/** GET /api/me: the user and their current subscription, in one D1 round trip. */
export async function getAccount(deps: Pick<AuthDeps, 'db'>, userId: string) {
  const { user, subscription } = await findUserWithCurrentSubscription(deps.db, userId);
  if (!user) throw notFound('No such user.');
  return { user, subscription };
}

export async function renameAccount(deps: AuthDeps, userId: string, name: string | null): Promise<User> {
  const user = await updateUserName(deps.db, userId, name, deps.now);
  if (!user) throw notFound('No such user.');
  return user;
}
