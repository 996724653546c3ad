// Accounts: registration and password login, with their rate limits and audit entries.
import { auditStatement } from '../db/audit-log';
import { findAccountWithSession } from '../db/billing';
import { rowsOf, runBatch, type Condition, type Database, type Statement } from '../db/client';
import { clearRateLimitStatement, releaseRateLimitHitStatement } from '../db/rate-limits';
import type { Subscription, User } from '../db/schema';
import {
  secondFactorMethods,
  selectSecondFactorMethodsByEmailStatement,
  type SecondFactorMethod,
  type SecondFactorMethodsRow,
} from '../db/second-factor-methods';
import {
  insertUserStatement,
  isUniqueEmailViolation,
  hasPasswordHashCondition,
  selectRoleStatement,
  selectUserByEmailStatement,
  updatePasswordHashStatement,
  updateUserName,
  userFromRow,
  type UserRow,
} from '../db/users';
import { readNearby, type Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { newId } from '../lib/crypto';
import type { PresentedApiKey } from '../api-keys/authenticate';
import { tokenError, type AccessTokenClaims, type AuthenticationMethod } from './access-tokens';
import { adminEmailsPromotion, mayPromote } from './admin-emails';
import { verificationEmailStatements } from './email-verification';
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from './passwords';
import { accountWindow, addressWindow, countAttempt, RATE_RULES } from './rate-limits';
import { issueTokens, newSession, type IssuedTokens } from './sessions';

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

/** A first factor proven on an account with a second one: no session yet, a token for the second step. */
export interface SecondFactorRequired {
  mfaToken: string;
  methods: SecondFactorMethod[];
}

/** POST /register: one batch creates the user, their first session, the verification email and the audit entry. */
export async function registerAccount(
  deps: Deps,
  input: { email: string; password: string; name: string | null },
): Promise<SignedIn> {
  const attempt = countAttempt(deps.db, [addressWindow(RATE_RULES.registrationsPerAddress, deps.client.ip)], deps.now);
  attempt.settle(await runBatch(deps.db, attempt.statements));
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
    passwordVouched: false,
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
    if (isUniqueEmailViolation(err)) throw new AppError('EMAIL_TAKEN');
    throw err;
  }
  const tokens = await issueTokens(
    deps,
    {
      userId: user.id,
      sessionId: session.sessionId,
      role: user.role,
      amr: session.amr,
      authTime: Math.floor(deps.now.getTime() / 1000),
    },
    session.refreshToken,
  );
  return { user, tokens: { ...tokens, refreshToken: session.refreshToken }, outboxIds: [verification.outboxId] };
}

const invalidCredentials = () => new AppError('INVALID_CREDENTIALS');

/**
 * POST /login in two D1 round trips: (1) the rate limits, the user and their second factors, (2) the
 * outcome: a session, or (the account has a second factor) the sign-in's pending second step.
 * The password check is reserved in the account's window before any hashing, in the same statement
 * as the address's attempt, so however many requests arrive at once at most 10 passwords are
 * checked per account per window; a right password gives its reservation back (and clears the
 * account's failures). Unknown emails verify against a dummy hash so they cost the same time.
 */
export async function loginWithPassword(
  deps: Deps,
  input: { email: string; password: string },
): Promise<SignedIn | SecondFactorRequired> {
  const perAccount = accountWindow(RATE_RULES.failedLoginsPerAccount, input.email);
  const attempt = countAttempt(
    deps.db,
    [addressWindow(RATE_RULES.loginPerAddress, deps.client.ip), perAccount],
    deps.now,
  );
  const results = await runBatch(deps.db, [
    ...attempt.statements,
    selectUserByEmailStatement(deps.db, input.email),
    selectSecondFactorMethodsByEmailStatement(deps.db, input.email),
  ]);
  // A locked account answers 429 even to the right password, until the window passes.
  const reservation = attempt.settle(results).get(perAccount.key)!;

  const row = rowsOf<UserRow>(results[attempt.statements.length])[0];
  const user = row ? userFromRow(row) : null;
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !user.passwordHash || !passwordOk) {
    // The reservation stays: it is this failure's count.
    await auditStatement(deps, {
      action: 'login.failed',
      userId: user?.id ?? null,
      metadata: { email: input.email },
    }).run();
    throw invalidCredentials();
  }
  // Checked after the password, so a disabled account is only revealed to someone who knows it.
  if (user.disabledAt !== null) {
    await runBatch(deps.db, [
      releaseRateLimitHitStatement(deps.db, reservation),
      auditStatement(deps, { action: 'login.refused_disabled', userId: user.id }),
    ]);
    throw new AppError('ACCOUNT_DISABLED');
  }
  const passwordStillSet = hasPasswordHashCondition(user.id, user.passwordHash);
  const methods = secondFactorMethods(rowsOf<SecondFactorMethodsRow>(results[attempt.statements.length + 1])[0]);
  if (methods.length > 0) {
    // The password is right but not enough: its reservation is given back (the account's failures
    // stay until the second factor is proven too), and the sign-in waits for the second step.
    const secondFactors = await import('../mfa/feature');
    return secondFactors.awaitSecondFactor(deps, user, {
      authMethod: 'password',
      amr: ['pwd'],
      methods,
      passwordHash: user.passwordHash,
      also: [releaseRateLimitHitStatement(deps.db, reservation)],
    });
  }
  // Everything below holds only if the password checked is still the account's when the batch runs:
  // a reset in the meantime (which ended every session) leaves this login nothing.
  const rehash = needsRehash(user.passwordHash) ? await hashPassword(input.password) : null;
  return startSignedInSession(deps, user, {
    authMethod: 'password',
    amr: ['pwd'],
    when: passwordStillSet,
    failuresKey: perAccount.key,
    auditMetadata: {},
    also: (started) =>
      rehash === null
        ? []
        : [
            updatePasswordHashStatement(deps.db, {
              userId: user.id,
              passwordHash: rehash,
              now: deps.now,
              when: started,
            }),
          ],
  });
}

/**
 * The batch that completes a sign-in (a password, or a password or provider and then a second
 * factor): the session, if `when` still holds as it runs, and only then the rest: `also`'s
 * statements, the account's password failures cleared, the audit entry, ADMIN_EMAILS's promotion.
 * The token carries the role as the database holds it after the batch (a promotion, or an admin's
 * change while the password was being checked).
 */
export async function startSignedInSession(
  deps: Deps,
  user: User,
  input: {
    authMethod: string;
    amr: AuthenticationMethod[];
    when: Condition;
    /** The per-account password-failure window to clear. */
    failuresKey: string;
    auditMetadata: Record<string, unknown>;
    also: (started: Condition) => Statement[];
    /** The answer when the session did not start (`when` no longer held); INVALID_CREDENTIALS by default. */
    refused?: () => AppError;
  },
): Promise<SignedIn> {
  const session = await newSession(deps, user, input.authMethod, input.when, input.amr);
  const outcome = await runBatch(deps.db, [
    ...session.statements,
    ...input.also(session.started),
    clearRateLimitStatement(deps.db, input.failuresKey, session.started),
    auditStatement(
      deps,
      {
        action: 'login.succeeded',
        userId: user.id,
        metadata: { session_id: session.sessionId, amr: input.amr, ...input.auditMetadata },
      },
      session.started,
    ),
    ...(mayPromote(deps.config, user) ? adminEmailsPromotion(deps, user, session.started) : []),
    selectRoleStatement(deps.db, user.id),
  ]);
  if (!session.didStart(outcome)) throw (input.refused ?? invalidCredentials)();
  const role = rowsOf<{ role: User['role'] }>(outcome[outcome.length - 1])[0]?.role ?? user.role;
  const signedInUser: User = { ...user, role };
  const tokens = await issueTokens(
    deps,
    {
      userId: user.id,
      sessionId: session.sessionId,
      role,
      amr: session.amr,
      authTime: Math.floor(deps.now.getTime() / 1000),
    },
    session.refreshToken,
  );
  return { user: signedInUser, tokens: { ...tokens, refreshToken: session.refreshToken }, outboxIds: [] };
}

/**
 * The caller's user and current subscription (GET /api/me, billing, paid features), read in the same
 * D1 round trip as the check that the token's session is live and its user enabled: a revoked or
 * disabled user's still-valid token gets 401 TOKEN_INVALID here and reaches no Stripe call.
 * `from`: 'primary' where a decision rests on it (checkout, the portal, a paid feature): revocation
 * counts at once; 'replica' for the routes that only show the account: revocation counts once the
 * replica has it (replication lag), and a replica that does not show the session yet is checked
 * against the primary before the answer is 401 (readNearby).
 */
export async function getLiveAccount(
  deps: Deps,
  auth: AccessTokenClaims,
  from: 'primary' | 'replica',
): Promise<{ user: User; subscription: Subscription | null }> {
  const read = async (db: Database) => {
    const { user, subscription, sessionLive } = await findAccountWithSession(db, {
      userId: auth.userId,
      sessionId: auth.sessionId,
      now: deps.now,
    });
    return sessionLive && user ? { user, subscription } : null;
  };
  const account = from === 'primary' ? await read(deps.db) : await readNearby(deps, read);
  if (!account) throw tokenError('TOKEN_INVALID');
  return account;
}

/** Who a request acts for on a route that takes user API keys: the token's claims or the key (c.var). */
export interface Caller {
  auth?: AccessTokenClaims;
  apiKey?: PresentedApiKey | undefined;
}

/** The caller's user id: the access token's, or the user API key owner's (routes that take only users' keys). */
export function callerUserId(caller: Caller): string {
  const owner = caller.apiKey?.owner;
  if (owner) {
    if (!('userId' in owner)) throw new AppError('FORBIDDEN', "This route takes a user's API key.");
    return owner.userId;
  }
  return caller.auth!.userId;
}

/**
 * As getLiveAccount, for a route that takes user API keys too: a key's owner was read (and found
 * enabled) in the key's own batch, which the route asks for with `account: true` (ApiKeyNeed).
 */
export async function getCallerAccount(
  deps: Deps,
  caller: Caller,
  from: 'primary' | 'replica',
): Promise<{ user: User; subscription: Subscription | null }> {
  if (!caller.apiKey) return getLiveAccount(deps, caller.auth!, from);
  callerUserId(caller); // 403 for an organization's key
  if (!caller.apiKey.account) throw new Error('A route that reads the account must take keys with account: true.');
  return caller.apiKey.account;
}

export async function renameAccount(deps: Deps, userId: string, name: string | null): Promise<User> {
  const user = await updateUserName(deps.db, userId, name, deps.now);
  if (!user) throw notFound('No such user.');
  return user;
}
