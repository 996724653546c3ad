// Who an OAuth identity signs in as: an existing link, an account with the same verified email, or a new account.
import { auditStatement } from '../../db/audit-log';
import { isUniqueViolation, runBatch, type Statement } from '../../db/client';
import {
  findOAuthAccountWithUser,
  insertOAuthAccountStatement,
  linkStandsCondition,
  replaceProviderLinkStatement,
  touchOAuthAccountStatement,
} from '../../db/oauth-accounts';
import type { User } from '../../db/schema';
import { findSecondFactorMethods } from '../../db/second-factor-methods';
import {
  findUserByEmail,
  insertUserStatement,
  isUniqueEmailViolation,
  markEmailVerifiedStatement,
  userEnabledCondition,
} from '../../db/users';
import type { Deps } from '../../deps';
import { newId } from '../../lib/crypto';
import { dropUnvouchedCredentials } from '../address-proof';
import type { SecondFactorRequired } from '../accounts';
import { adminEmailsPromotion, mayPromote } from '../admin-emails';
import { verificationEmailStatements } from '../email-verification';
import { newSession } from '../sessions';
import type { ProviderIdentity, ProviderName } from './identity';

/** A sign-in the rules refuse; the user is sent to APP_URL/login?error=<code>. */
export class OAuthSignInRefused extends Error {
  override name = 'OAuthSignInRefused';
  constructor(readonly code: string) {
    super(`OAuth sign-in refused: ${code}`);
  }
}

/**
 * What the sign-in read (the link, the user being enabled) had changed by the time the session was
 * written; the sign-in is tried once more, and refused if that happens again.
 */
class LinkChanged extends OAuthSignInRefused {
  constructor() {
    super('oauth_failed');
  }
}

/** A session (its refresh token), or, for an account with a second factor, the sign-in's pending second step. */
export type OAuthSignedIn =
  | { user: User; refreshToken: string; outboxIds: string[] }
  | { user: User; secondFactor: SecondFactorRequired; outboxIds: string[] };

/**
 * For an account with a second factor: `statements` (what the sign-in writes besides the session)
 * and the pending second step instead of a session. Null when the account has none.
 */
async function awaitSecondFactorIfAny(
  deps: Deps,
  user: User,
  input: { provider: ProviderName; providerSubject: string; redirectTo: string; statements: Statement[] },
): Promise<OAuthSignedIn | null> {
  const methods = await findSecondFactorMethods(deps.db, user.id);
  if (methods.length === 0) return null;
  const secondFactors = await import('../../mfa/feature');
  const secondFactor = await secondFactors.awaitSecondFactor(deps, user, {
    authMethod: `oauth:${input.provider}`,
    amr: ['oauth'],
    methods,
    providerSubject: input.providerSubject,
    redirectTo: input.redirectTo,
    also: input.statements,
  });
  return { user, secondFactor, outboxIds: [] };
}

export async function signInWithIdentity(
  deps: Deps,
  provider: ProviderName,
  identity: ProviderIdentity,
  redirectTo = '/',
): Promise<OAuthSignedIn> {
  try {
    return await signIn(deps, provider, identity, redirectTo);
  } catch (err) {
    // Two callbacks for the same new identity at once: the loser finds the winner's link. A link
    // removed (or a user disabled) during the sign-in: the second attempt sees how things stand now.
    if (err instanceof LinkChanged || isUniqueViolation(err, 'oauth_accounts') || isUniqueEmailViolation(err)) {
      return signIn(deps, provider, identity, redirectTo);
    }
    throw err;
  }
}

/** The identity's link decides; without one, its verified email finds the account, or makes one. */
async function signIn(
  deps: Deps,
  provider: ProviderName,
  identity: ProviderIdentity,
  redirectTo: string,
): Promise<OAuthSignedIn> {
  const linked = await findOAuthAccountWithUser(deps.db, provider, identity.providerUserId);
  if (linked) return signInLinked(deps, provider, identity, linked.user, redirectTo);
  if (identity.email === null) throw new OAuthSignInRefused('email_required');
  const existing = await findUserByEmail(deps.db, identity.email);
  if (existing) {
    return linkToExistingAccount(deps, provider, { ...identity, email: identity.email }, existing, redirectTo);
  }
  return createAccount(deps, provider, { ...identity, email: identity.email });
}

type IdentityWithEmail = ProviderIdentity & { email: string };

/** Already linked: a session for the linked user, and the link's latest email and vouching. */
async function signInLinked(
  deps: Deps,
  provider: ProviderName,
  identity: ProviderIdentity,
  user: User,
  redirectTo: string,
): Promise<OAuthSignedIn> {
  if (user.disabledAt !== null) throw new OAuthSignInRefused('account_disabled');
  const touch = touchOAuthAccountStatement(deps.db, {
    provider,
    providerUserId: identity.providerUserId,
    email: identity.email,
    vouched: identity.emailVerified && identity.email === user.email,
    now: deps.now,
  });
  const pending = await awaitSecondFactorIfAny(deps, user, {
    provider,
    providerSubject: identity.providerUserId,
    redirectTo,
    statements: [touch],
  });
  if (pending) return pending;
  // Only if the link still stands when the batch runs: the address's owner may have just proven
  // it and removed this link (or an admin disabled the user) since it was read.
  const stands = linkStandsCondition({ provider, providerUserId: identity.providerUserId, userId: user.id });
  const session = await newSession(deps, user, `oauth:${provider}`, stands);
  const outcome = await runBatch(deps.db, [
    ...session.statements,
    touch,
    auditStatement(
      deps,
      { action: 'oauth.login', userId: user.id, metadata: { provider, session_id: session.sessionId } },
      session.started,
    ),
    ...(mayPromote(deps.config, user) ? adminEmailsPromotion(deps, user, session.started) : []),
  ]);
  if (!session.didStart(outcome)) throw new LinkChanged();
  return { user, refreshToken: session.refreshToken, outboxIds: [] };
}

/** An account with the same email: linked only when the provider vouches for the address. */
async function linkToExistingAccount(
  deps: Deps,
  provider: ProviderName,
  identity: IdentityWithEmail,
  existing: User,
  redirectTo: string,
): Promise<OAuthSignedIn> {
  if (!identity.emailVerified) throw new OAuthSignInRefused('email_not_verified');
  if (existing.disabledAt !== null) throw new OAuthSignInRefused('account_disabled');
  const authMethod = `oauth:${provider}`;
  // No session if an admin disables the user while this sign-in runs.
  const session = await newSession(deps, existing, authMethod, userEnabledCondition(existing.id));
  // The provider vouching for the address proves it, so credentials set without such proof go
  // first, with their sessions: a password someone chose at sign-up (perhaps to wait for the
  // address's owner: pre-account hijacking), links of providers that did not vouch (one of which
  // may hold this provider's slot). A link to another subject at this provider (a user the
  // provider re-created) gives way too.
  const passwordCleared = existing.passwordHash !== null && !existing.passwordVouched;
  const linking = [
    ...dropUnvouchedCredentials(deps, { userId: existing.id, proof: authMethod }),
    replaceProviderLinkStatement(deps.db, { userId: existing.id, provider, providerUserId: identity.providerUserId }),
    linkStatement(deps, provider, identity, existing.id),
    markEmailVerifiedStatement(deps.db, { userId: existing.id, email: identity.email, now: deps.now }),
  ];
  // The provider proved the address, so the link stands; the account's second factor is still asked.
  const pending = await awaitSecondFactorIfAny(deps, existing, {
    provider,
    providerSubject: identity.providerUserId,
    redirectTo,
    statements: [
      ...linking,
      auditStatement(deps, {
        action: 'oauth.linked',
        userId: existing.id,
        metadata: { provider, password_cleared: passwordCleared },
      }),
    ],
  });
  if (pending) return pending;
  const outcome = await runBatch(deps.db, [
    ...linking,
    ...session.statements,
    auditStatement(
      deps,
      { action: 'oauth.linked', userId: existing.id, metadata: { provider, password_cleared: passwordCleared } },
      session.started,
    ),
    ...adminEmailsPromotion(deps, existing, session.started),
  ]);
  if (!session.didStart(outcome, linking.length)) throw new LinkChanged();
  return { user: existing, refreshToken: session.refreshToken, outboxIds: [] };
}

/** A new account for a new email, with the link; an address the provider did not verify gets our email. */
async function createAccount(deps: Deps, provider: ProviderName, identity: IdentityWithEmail): Promise<OAuthSignedIn> {
  const user: User = {
    id: newId(),
    email: identity.email,
    name: identity.name,
    passwordHash: null,
    role: 'user',
    emailVerifiedAt: identity.emailVerified ? deps.now : null,
    disabledAt: null,
    createdAt: deps.now,
    updatedAt: deps.now,
    stripeCustomerId: null,
    passwordVouched: false,
  };
  const session = await newSession(deps, user, `oauth:${provider}`);
  const verification = identity.emailVerified ? null : await verificationEmailStatements(deps, user);
  await runBatch(deps.db, [
    insertUserStatement(deps.db, user),
    linkStatement(deps, provider, identity, user.id),
    ...session.statements,
    ...(verification?.statements ?? []),
    auditStatement(deps, { action: 'oauth.account_created', userId: user.id, metadata: { provider } }),
    ...adminEmailsPromotion(deps, user),
  ]);
  return { user, refreshToken: session.refreshToken, outboxIds: verification ? [verification.outboxId] : [] };
}

function linkStatement(deps: Deps, provider: ProviderName, identity: IdentityWithEmail, userId: string) {
  return insertOAuthAccountStatement(deps.db, {
    userId,
    provider,
    providerUserId: identity.providerUserId,
    email: identity.email,
    emailVerified: identity.emailVerified,
    createdAt: deps.now,
    lastLoginAt: deps.now,
  });
}
