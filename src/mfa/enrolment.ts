// Setting up, confirming and removing an authenticator app, and the recovery codes that come with it.
import { authenticationMethods, type AccessTokenClaims } from '../auth/access-tokens';
import { confirmPassword } from '../auth/password-recovery';
import { issueTokens } from '../auth/sessions';
import {
  deleteTotpStatements,
  findSecondFactorStatus,
  findUserWithTotpFactor,
  replaceRecoveryCodesStatements,
  steppedUpSessionOf,
  stepUpSessionStatement,
  upsertPendingTotpStatement,
} from '../db/second-factors';
import type { User } from '../db/schema';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { secondFactorNotice } from './notices';
import { guardedChange, reserveCodeCheck } from './guarded-change';
import { proveSecondFactor, secondFactorInvalid, type SecondFactorInput } from './proof';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { sealingKeys } from './sealing-keys';
import { seal } from './secret-box';
import { base32Encode, otpauthUri, TOTP_SECRET_BYTES } from './totp';

/** Setting up an app without the password needs a factor proven this recently (a sign-in or a step-up). */
export const RECENT_AUTH_SECONDS = 10 * 60;

/**
 * Second factors are set up only on a verified address: someone who registered another person's
 * address (pre-account hijacking) cannot plant a factor that would outlive the owner's proof.
 */
export function requireVerifiedEmail(user: User) {
  if (user.emailVerifiedAt === null) {
    throw new AppError('FORBIDDEN', 'Verify your email address first, then set up a second factor.');
  }
}

/** The caller's user and authenticator app, in one round trip. */
async function readAccount(deps: Deps, userId: string) {
  const account = await findUserWithTotpFactor(deps.db, userId);
  if (!account) throw notFound('No such user.');
  return account;
}

export async function secondFactorStatus(deps: Deps, auth: AccessTokenClaims) {
  const status = await findSecondFactorStatus(deps.db, auth.userId);
  return {
    totp: {
      enabled: status.totp_confirmed_at !== null,
      enabled_at: status.totp_confirmed_at === null ? null : new Date(status.totp_confirmed_at).toISOString(),
      pending: status.totp_pending === 1,
    },
    recovery_codes_left: status.recovery_codes_left,
    passkeys: status.passkeys,
    totp_available: deps.config.mfaEncryptionKeys !== null,
  };
}

/**
 * POST /api/me/2fa/totp: a new secret, sealed and stored unconfirmed (replacing an earlier setup
 * never confirmed). The caller proves it is them: the password, or a factor proven in the last
 * RECENT_AUTH_SECONDS (an OAuth account has no password).
 */
export async function startTotpSetup(deps: Deps, auth: AccessTokenClaims, input: { password?: string | undefined }) {
  const keys = await sealingKeys(deps.config);
  const { user, totp } = await readAccount(deps, auth.userId);
  requireVerifiedEmail(user);
  if ((totp?.confirmed_at ?? null) !== null) throw new AppError('TOTP_ALREADY_ENABLED');
  if (input.password !== undefined) await confirmPassword(deps, auth.userId, input.password);
  else if (Math.floor(deps.now.getTime() / 1000) - auth.authTime > RECENT_AUTH_SECONDS) {
    throw new AppError(
      'STEP_UP_REQUIRED',
      'Send your password, or confirm it is you (POST /api/auth/step-up) and try again within 10 minutes.',
    );
  }
  // A confirmed app is left alone by the write itself too (a parallel confirm): 0 changes.
  const secret = crypto.getRandomValues(new Uint8Array(TOTP_SECRET_BYTES));
  const stored = await upsertPendingTotpStatement(deps.db, {
    userId: user.id,
    secretSealed: await seal(keys, secret, user.id),
    now: deps.now,
  }).run();
  if (stored.meta.changes !== 1) throw new AppError('TOTP_ALREADY_ENABLED');
  return {
    secret: base32Encode(secret),
    otpauth_uri: otpauthUri({ issuer: deps.config.appName, account: user.email, secret }),
  };
}

/**
 * POST /api/me/2fa/totp/confirm: a code from the app turns it on, with 10 new recovery codes, and
 * counts as this session's second factor (the answer carries an access token saying so).
 */
export async function confirmTotpSetup(deps: Deps, auth: AccessTokenClaims, code: string) {
  const { user, totp } = await readAccount(deps, auth.userId);
  if ((totp?.confirmed_at ?? null) !== null) throw new AppError('TOTP_ALREADY_ENABLED');
  if (!totp) throw new AppError('TOTP_NOT_ENABLED', 'Start the setup first: POST /api/me/2fa/totp.');
  const reservation = await reserveCodeCheck(deps, user.email);
  const factor = await proveSecondFactor(
    deps,
    user.id,
    { code },
    { secretSealed: totp.secret_sealed, lastUsedStep: totp.last_used_step, confirmed: false },
  );
  const codes = newRecoveryCodes();
  const codeHashes = await Promise.all(codes.map((typed) => hashRecoveryCode(typed)!));
  const change = guardedChange(deps, {
    event: { action: 'mfa.totp_enabled', userId: user.id, metadata: { session_id: auth.sessionId } },
    when: factor.unused,
    reservation,
  });
  const notice = secondFactorNotice(deps, user, 'totp_enabled', change.done);
  const { committed, results } = await change.commit([
    ...factor.useUp(change.done),
    ...replaceRecoveryCodesStatements(deps.db, { userId: user.id, codeHashes, now: deps.now, when: change.done }),
    notice.statement,
    stepUpSessionStatement(deps.db, {
      sessionId: auth.sessionId,
      userId: user.id,
      method: 'otp',
      now: deps.now,
      when: change.done,
    }),
  ]);
  if (!committed) throw secondFactorInvalid();
  const tokens = await steppedUpTokens(deps, auth, results[results.length - 1]);
  return { body: { recovery_codes: codes, ...tokens }, outboxIds: [notice.id] };
}

/** The access token after a step-up statement (the batch's result for it); none when the session ended meanwhile. */
export async function steppedUpTokens(deps: Deps, auth: AccessTokenClaims, result: D1Result | undefined) {
  const session = steppedUpSessionOf(result);
  if (!session) return { access_token: null, token_type: 'Bearer' as const, expires_in: null };
  const tokens = await issueTokens(
    deps,
    {
      userId: auth.userId,
      sessionId: auth.sessionId,
      role: session.role,
      amr: authenticationMethods(session.amr),
      authTime: Math.floor(session.authenticated_at / 1000),
      ...(session.org_id && session.org_role ? { orgId: session.org_id, orgRole: session.org_role } : {}),
    },
    null,
  );
  return { access_token: tokens.accessToken, token_type: 'Bearer' as const, expires_in: tokens.expiresIn };
}

/** A change that needs the app enabled and a fresh code (or recovery code) from the user. */
async function provenForChange(deps: Deps, auth: AccessTokenClaims, input: SecondFactorInput) {
  const { user, totp } = await readAccount(deps, auth.userId);
  if (totp === null || totp.confirmed_at === null) throw new AppError('TOTP_NOT_ENABLED');
  const reservation = await reserveCodeCheck(deps, user.email);
  const factor = await proveSecondFactor(deps, user.id, input, {
    secretSealed: totp.secret_sealed,
    lastUsedStep: totp.last_used_step,
    confirmed: true,
  });
  return { user, reservation, factor };
}

/** DELETE /api/me/2fa/totp: with a current code or a recovery code; the recovery codes go too. */
export async function disableTotp(deps: Deps, auth: AccessTokenClaims, input: SecondFactorInput) {
  const { user, reservation, factor } = await provenForChange(deps, auth, input);
  const change = guardedChange(deps, {
    event: { action: 'mfa.totp_disabled', userId: user.id, metadata: { with: factor.method } },
    when: factor.unused,
    reservation,
  });
  const notice = secondFactorNotice(deps, user, 'totp_disabled', change.done);
  const { committed } = await change.commit([
    ...factor.useUp(change.done),
    ...deleteTotpStatements(deps.db, user.id, change.done),
    notice.statement,
  ]);
  if (!committed) throw secondFactorInvalid();
  return [notice.id];
}

/** POST /api/me/2fa/recovery-codes: 10 new codes with a current code (or a recovery code); the old ones stop working. */
export async function regenerateRecoveryCodes(deps: Deps, auth: AccessTokenClaims, input: SecondFactorInput) {
  const { user, reservation, factor } = await provenForChange(deps, auth, input);
  const codes = newRecoveryCodes();
  const codeHashes = await Promise.all(codes.map((typed) => hashRecoveryCode(typed)!));
  const change = guardedChange(deps, {
    event: { action: 'mfa.recovery_codes_regenerated', userId: user.id, metadata: { with: factor.method } },
    when: factor.unused,
    reservation,
  });
  const notice = secondFactorNotice(deps, user, 'recovery_codes_regenerated', change.done);
  const { committed } = await change.commit([
    ...factor.useUp(change.done),
    ...replaceRecoveryCodesStatements(deps.db, { userId: user.id, codeHashes, now: deps.now, when: change.done }),
    notice.statement,
  ]);
  if (!committed) throw secondFactorInvalid();
  return { body: { recovery_codes: codes }, outboxIds: [notice.id] };
}
