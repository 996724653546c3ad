// Checking a second factor typed by the user (an authenticator code or a recovery code). The check
// gives a condition and the statements that use the factor up, for the caller's batch: the code
// counts only if, when the batch runs, it is still unused (no replay, even by parallel requests).
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Condition, Statement } from '../db/client';
import {
  recoveryCodeUnusedCondition,
  totpStepUnusedCondition,
  useRecoveryCodeStatement,
  useTotpStepStatement,
} from '../db/second-factors';
import type { Deps } from '../deps';
import { AppError } from '../errors';
import { hashRecoveryCode } from './recovery-codes';
import { sealingKeys } from './sealing-keys';
import { open } from './secret-box';
import { matchTotp } from './totp';

/** What the user typed: exactly one of the two (the routes' schemas ensure it). */
export interface SecondFactorInput {
  code?: string | undefined;
  recovery_code?: string | undefined;
  /** A WebAuthn assertion (navigator.credentials.get() as JSON) for a challenge from the matching options route. */
  passkey?: AuthenticationResponseJSON | undefined;
}

export interface TotpState {
  secretSealed: string;
  lastUsedStep: number;
  confirmed: boolean;
}

export interface ProvenFactor {
  /** Its `amr` value. */
  method: 'otp' | 'rc' | 'hwk';
  /** Holds while the factor is still unused. */
  unused: Condition;
  /** Uses it up, if `when` holds. */
  useUp: (when: Condition) => Statement[];
}

export const secondFactorInvalid = () => new AppError('SECOND_FACTOR_INVALID');

/** Opens the app's secret; an app sealed under a key no longer in the ring is a server problem. */
export async function openTotpSecret(deps: Deps, userId: string, secretSealed: string): Promise<Uint8Array> {
  const secret = await open(await sealingKeys(deps.config), secretSealed, userId);
  if (secret === null) {
    deps.log.error('totp secret could not be opened: its key is not in MFA_ENCRYPTION_KEYS', { user_id: userId });
    throw new AppError(
      'MFA_NOT_CONFIGURED',
      'This authenticator app was set up under a key this server no longer has; use a recovery code.',
    );
  }
  return secret;
}

/**
 * The factor, or 401 SECOND_FACTOR_INVALID when the code does not match (or was used before). A
 * passkey's challenge must come from the options route of the same `purpose`.
 */
export async function proveSecondFactor(
  deps: Deps,
  userId: string,
  input: SecondFactorInput,
  totp: TotpState | null,
  purpose: 'second_factor' | 'step_up' = 'second_factor',
): Promise<ProvenFactor> {
  if (input.passkey !== undefined) {
    // The WebAuthn library loads only for passkeys.
    const { provePasskey } = await import('./passkeys');
    return provePasskey(deps, { response: input.passkey, purpose, userId });
  }
  if (input.recovery_code !== undefined) {
    const codeHash = await hashRecoveryCode(input.recovery_code);
    if (codeHash === null) throw secondFactorInvalid();
    return {
      method: 'rc',
      unused: recoveryCodeUnusedCondition(userId, codeHash),
      useUp: (when) => [useRecoveryCodeStatement(deps.db, { userId, codeHash, now: deps.now, when })],
    };
  }
  if (input.code === undefined || totp === null) throw secondFactorInvalid();
  const secret = await openTotpSecret(deps, userId, totp.secretSealed);
  const step = await matchTotp(secret, input.code, deps.now.getTime());
  if (step === null || step <= totp.lastUsedStep) throw secondFactorInvalid();
  return {
    method: 'otp',
    unused: totpStepUnusedCondition({ userId, secretSealed: totp.secretSealed, step, confirmed: totp.confirmed }),
    useUp: (when) => [useTotpStepStatement(deps.db, { userId, step, now: deps.now, confirm: !totp.confirmed, when })],
  };
}
