// The second step of a sign-in: a password (or an OAuth sign-in) proven on an account with a second
// factor starts no session; it leaves a pending challenge, named by the `mfa_token` the client
// gets, and POST /api/auth/2fa/verify completes it with a code.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { AuthenticationMethod } from '../auth/access-tokens';
import { isProviderName } from '../auth/oauth/identity';
import { accountWindow, addressWindow, countAttempt, RATE_RULES } from '../auth/rate-limits';
import { startSignedInSession, type SecondFactorRequired, type SignedIn } from '../auth/accounts';
import { auditStatement } from '../db/audit-log';
import { allOf, NEVER, rowsOf, runBatch, type Statement } from '../db/client';
import { linkStandsCondition } from '../db/oauth-accounts';
import type { User } from '../db/schema';
import type { SecondFactorMethod } from '../db/second-factor-methods';
import {
  deleteMfaChallengeStatement,
  insertMfaChallengeStatement,
  mfaChallengePendingCondition,
  selectChallengeUserStatement,
  selectMfaChallengeStatement,
  type MfaChallengeRow,
} from '../db/second-factors';
import { findUserById, hasPasswordHashCondition, userEnabledCondition, userFromRow, type UserRow } from '../db/users';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { newId, randomToken, sha256Base64Url } from '../lib/crypto';
import { reserveCodeCheck } from './guarded-change';
import { secondFactorNotice } from './notices';
import { proveSecondFactor, type SecondFactorInput } from './proof';

/** How long the second step may take. */
export const MFA_TOKEN_TTL_MS = 5 * 60_000;

const mfaTokenInvalid = () => new AppError('MFA_TOKEN_INVALID');

/** Records the pending second step (with `also`, in one batch) and returns its token. */
export async function awaitSecondFactor(
  deps: Deps,
  user: User,
  input: {
    authMethod: string;
    amr: AuthenticationMethod[];
    methods: SecondFactorMethod[];
    passwordHash?: string;
    /** An OAuth sign-in's provider subject: the second step holds only while that link stands. */
    providerSubject?: string;
    redirectTo?: string;
    also: Statement[];
  },
): Promise<SecondFactorRequired> {
  const id = newId();
  const secret = randomToken(32);
  await runBatch(deps.db, [
    ...input.also,
    insertMfaChallengeStatement(deps.db, {
      id,
      secretHash: await sha256Base64Url(secret),
      userId: user.id,
      authMethod: input.authMethod,
      amr: input.amr.join(' '),
      passwordHash: input.passwordHash ?? null,
      providerSubject: input.providerSubject ?? null,
      redirectTo: input.redirectTo ?? null,
      now: deps.now,
      expiresAt: new Date(deps.now.getTime() + MFA_TOKEN_TTL_MS),
    }),
    auditStatement(deps, { action: 'login.second_factor_required', userId: user.id, metadata: { amr: input.amr } }),
  ]);
  return { mfaToken: `${id}.${secret}`, methods: input.methods };
}

/**
 * What the first factor was must still hold when the session starts: the password unchanged (a
 * reset voids the pending sign-in), or the provider link in place (the address's owner proving it
 * removes a link it did not vouch for, and this sign-in with it).
 */
function firstFactorStandsCondition(userId: string, challenge: MfaChallengeRow) {
  if (challenge.password_hash !== null) return hasPasswordHashCondition(userId, challenge.password_hash);
  const provider = challenge.auth_method.startsWith('oauth:') ? challenge.auth_method.slice('oauth:'.length) : null;
  if (provider !== null && challenge.provider_subject !== null && isProviderName(provider)) {
    return linkStandsCondition({ provider, providerUserId: challenge.provider_subject, userId });
  }
  return NEVER;
}

function parseMfaToken(token: string): { id: string; secret: string } | null {
  const match = /^([a-z2-7]{24})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/**
 * POST /api/auth/2fa/verify: the code (or recovery code) for a pending sign-in. Wrong codes count in
 * the account's password-failure window; the session starts only if, when its batch runs, the
 * challenge is still pending, the code still unused, the user enabled and (after a password) the
 * password unchanged, and the challenge goes in the same batch: single use under any concurrency.
 */
export async function completeSecondFactor(
  deps: Deps,
  input: SecondFactorInput & { mfa_token: string },
): Promise<SignedIn & { redirectTo: string | null }> {
  const parsed = parseMfaToken(input.mfa_token);
  if (!parsed) throw mfaTokenInvalid();
  const lookup = { id: parsed.id, secretHash: await sha256Base64Url(parsed.secret), now: deps.now };
  const [challenges, users] = await runBatch(deps.db, [
    selectMfaChallengeStatement(deps.db, lookup),
    selectChallengeUserStatement(deps.db, lookup),
  ]);
  const challenge = rowsOf<MfaChallengeRow>(challenges)[0];
  const userRow = rowsOf<UserRow>(users)[0];
  if (!challenge || !userRow) throw mfaTokenInvalid();
  const user = userFromRow(userRow);
  if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
  const reservation = await reserveCodeCheck(deps, user.email);
  let factor;
  try {
    factor = await proveSecondFactor(
      deps,
      user.id,
      input,
      challenge.totp_secret_sealed === null
        ? null
        : {
            secretSealed: challenge.totp_secret_sealed,
            lastUsedStep: challenge.totp_last_used_step ?? 0,
            confirmed: true,
          },
    );
  } catch (err) {
    if (err instanceof AppError && err.code === 'SECOND_FACTOR_INVALID') {
      await auditStatement(deps, { action: 'login.second_factor_failed', userId: user.id }).run();
    }
    throw err;
  }
  const firstFactorStands = firstFactorStandsCondition(user.id, challenge);
  const amr = [...(challenge.amr.split(' ') as AuthenticationMethod[]), factor.method];
  let outboxIds: string[] = [];
  const signedIn = await startSignedInSession(deps, user, {
    authMethod: challenge.auth_method,
    amr,
    when: allOf(mfaChallengePendingCondition({ id: parsed.id, now: deps.now }), firstFactorStands, factor.unused),
    failuresKey: reservation.key,
    auditMetadata: {},
    refused: () => new AppError('SECOND_FACTOR_INVALID'),
    also: (started) => {
      const notice = factor.method === 'rc' ? [secondFactorNotice(deps, user, 'recovery_code_used', started)] : [];
      outboxIds = notice.map((email) => email.id);
      return [
        ...factor.useUp(started),
        deleteMfaChallengeStatement(deps.db, parsed.id, started),
        ...notice.map((email) => email.statement),
      ];
    },
  });
  return { ...signedIn, outboxIds, redirectTo: challenge.redirect_to };
}

/** POST /api/auth/2fa/passkey-options: request options for the pending sign-in's user's passkeys. */
export async function secondStepPasskeyOptions(deps: Deps, mfaToken: string) {
  const parsed = parseMfaToken(mfaToken);
  if (!parsed) throw mfaTokenInvalid();
  const lookup = { id: parsed.id, secretHash: await sha256Base64Url(parsed.secret), now: deps.now };
  const [challenges] = await runBatch(deps.db, [selectMfaChallengeStatement(deps.db, lookup)]);
  const challenge = rowsOf<MfaChallengeRow>(challenges)[0];
  if (!challenge) throw mfaTokenInvalid();
  const { authenticationOptions } = await import('./passkeys');
  return authenticationOptions(deps, 'second_factor', challenge.user_id);
}

/**
 * POST /api/auth/passkeys/verify: a passwordless sign-in. The passkey names its user; user
 * verification (a PIN, a fingerprint) was required, so it counts as two factors (`amr: ["hwk"]`).
 */
export async function signInWithPasskey(deps: Deps, response: AuthenticationResponseJSON): Promise<SignedIn> {
  const attempt = countAttempt(deps.db, [addressWindow(RATE_RULES.loginPerAddress, deps.client.ip)], deps.now);
  attempt.settle(await runBatch(deps.db, attempt.statements));
  const { provePasskey } = await import('./passkeys');
  const factor = await provePasskey(deps, { response, purpose: 'sign_in', userId: null });
  const user = await findUserById(deps.db, factor.passkey.user_id);
  if (!user) throw new AppError('SECOND_FACTOR_INVALID');
  if (user.disabledAt !== null) throw new AppError('ACCOUNT_DISABLED');
  return startSignedInSession(deps, user, {
    authMethod: 'passkey',
    amr: ['hwk'],
    when: allOf(userEnabledCondition(user.id), factor.unused),
    failuresKey: accountWindow(RATE_RULES.failedLoginsPerAccount, user.email).key,
    auditMetadata: { passkey_id: factor.passkey.id },
    refused: () => new AppError('SECOND_FACTOR_INVALID'),
    also: (started) => factor.useUp(started),
  });
}
