// POST /api/auth/step-up: the signed-in user proves a factor again, and the session (and the access
// token returned) records it: `amr` gains it, `auth_time` is now. An account with a second factor
// steps up with a code (or a recovery code); one without, with its password.
import { tokenError, type AccessTokenClaims } from '../auth/access-tokens';
import { confirmPassword } from '../auth/password-recovery';
import { ALWAYS } from '../db/client';
import { findUserWithTotpFactor, stepUpSessionStatement } from '../db/second-factors';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { steppedUpTokens } from './enrolment';
import { guardedChange, reserveCodeCheck } from './guarded-change';
import { secondFactorNotice } from './notices';
import { proveSecondFactor, secondFactorInvalid, type SecondFactorInput } from './proof';

const sessionEnded = () => tokenError('TOKEN_INVALID');

export async function stepUp(deps: Deps, auth: AccessTokenClaims, input: SecondFactorInput & { password?: string }) {
  const account = await findUserWithTotpFactor(deps.db, auth.userId);
  if (!account) throw notFound('No such user.');
  const { user, totp, hasSecondFactor: secondFactor } = account;
  if (input.password !== undefined) {
    if (secondFactor) {
      throw new AppError('VALIDATION_ERROR', undefined, {
        issues: [{ path: 'code', message: 'this account has a second factor: send code or recovery_code' }],
      });
    }
    await confirmPassword(deps, user.id, input.password);
    const change = guardedChange(deps, {
      event: { action: 'session.stepped_up', userId: user.id, metadata: { session_id: auth.sessionId, with: 'pwd' } },
      when: ALWAYS,
      reservation: null,
    });
    const { results } = await change.commit([
      stepUpSessionStatement(deps.db, {
        sessionId: auth.sessionId,
        userId: user.id,
        method: 'pwd',
        now: deps.now,
        when: change.done,
      }),
    ]);
    const tokens = await steppedUpTokens(deps, auth, results[0]);
    if (tokens.access_token === null) throw sessionEnded();
    return { body: tokens, outboxIds: [] };
  }
  if (!secondFactor) {
    throw new AppError('TOTP_NOT_ENABLED', 'This account has no second factor: step up with your password.');
  }
  const reservation = await reserveCodeCheck(deps, user.email);
  const totpState =
    totp !== null && totp.confirmed_at !== null
      ? { secretSealed: totp.secret_sealed, lastUsedStep: totp.last_used_step, confirmed: true }
      : null;
  const factor = await proveSecondFactor(deps, user.id, input, totpState, 'step_up');
  const change = guardedChange(deps, {
    event: {
      action: 'session.stepped_up',
      userId: user.id,
      metadata: { session_id: auth.sessionId, with: factor.method },
    },
    when: factor.unused,
    reservation,
  });
  const notices = factor.method === 'rc' ? [secondFactorNotice(deps, user, 'recovery_code_used', change.done)] : [];
  const { committed, results } = await change.commit([
    stepUpSessionStatement(deps.db, {
      sessionId: auth.sessionId,
      userId: user.id,
      method: factor.method,
      now: deps.now,
      when: change.done,
    }),
    ...factor.useUp(change.done),
    ...notices.map((notice) => notice.statement),
  ]);
  if (!committed) throw secondFactorInvalid();
  const tokens = await steppedUpTokens(deps, auth, results[0]);
  if (tokens.access_token === null) throw sessionEnded();
  return { body: tokens, outboxIds: notices.map((notice) => notice.id) };
}

/** POST /api/auth/step-up/passkey-options: request options for the signed-in user's passkeys. */
export async function stepUpPasskeyOptions(deps: Deps, auth: AccessTokenClaims) {
  const { authenticationOptions } = await import('./passkeys');
  return authenticationOptions(deps, 'step_up', auth.userId);
}
