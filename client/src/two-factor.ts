// Second factors: the sign-in's second step (thrown as SecondFactorRequired, with what completes it),
// setting up an authenticator app, recovery codes and step-up, whose access tokens replace the
// client's (and every tab's: see Session.replaceToken).
import type { Client } from 'openapi-fetch';
import type { components, paths } from './api.js';
import { getPasskey } from './passkeys.js';
import type { Session, User } from './session.js';

export type SecondFactorMethod = components['schemas']['MfaRequired']['methods'][number];

/** A fresh second factor: a code from the authenticator app, a recovery code, or a passkey (the browser asks for it). */
export type SecondFactorInput = { code: string } | { recoveryCode: string } | { passkey: true };

/**
 * Thrown by `auth.signIn()` (and `auth.completeOAuth()`) when the account has a second factor: no
 * session yet. Ask the user for a code and call `verify()`; `methods` says what to offer. It works
 * for 5 minutes, once; after that, sign in again.
 */
export class SecondFactorRequired extends Error {
  override readonly name = 'SecondFactorRequired';
  constructor(
    readonly mfaToken: string,
    readonly methods: SecondFactorMethod[],
    /** Completes the sign-in; resolves to the user (and, after OAuth, `redirectTo`). */
    readonly verify: (input: SecondFactorInput) => Promise<User & { redirectTo?: string | null }>,
  ) {
    super('This account has a second factor: complete the sign-in with a code.');
  }
}

export function isSecondFactorRequired(error: unknown): error is SecondFactorRequired {
  return error instanceof SecondFactorRequired;
}

export type SecondFactorStatus = components['schemas']['SecondFactors'];

export interface TwoFactorApi {
  status(): Promise<SecondFactorStatus>;
  /**
   * Starts setting up an authenticator app: render `otpauthUri` as a QR code (or show `secret`).
   * `password` is needed unless the user signed in (or stepped up) in the last 10 minutes.
   */
  startTotp(input?: { password?: string }): Promise<{ secret: string; otpauthUri: string }>;
  /** Turns it on with a code from it; resolves to the 10 recovery codes (show them once). */
  confirmTotp(code: string): Promise<string[]>;
  disableTotp(input: { code: string } | { recoveryCode: string }): Promise<void>;
  regenerateRecoveryCodes(input: { code: string } | { recoveryCode: string }): Promise<string[]>;
  /**
   * After a `STEP_UP_REQUIRED` error: proves a factor again (`{password}` for an account without a
   * second factor), then retry the call.
   */
  stepUp(input: SecondFactorInput | { password: string }): Promise<void>;
}

/** The request body for a factor; a passkey runs the browser's ceremony on `options()` first. */
export async function factorBody(
  input: SecondFactorInput | { password: string },
  options: () => Promise<Record<string, unknown>>,
) {
  if ('code' in input) return { code: input.code };
  if ('recoveryCode' in input) return { recovery_code: input.recoveryCode };
  if ('passkey' in input) return { passkey: await getPasskey(await options()) };
  return { password: input.password };
}

/** Turning the app off and new recovery codes take a code or a recovery code (not a passkey). */
function codeBody(input: SecondFactorInput): { code: string } | { recovery_code: string } {
  if ('code' in input) return { code: input.code };
  if ('recoveryCode' in input) return { recovery_code: input.recoveryCode };
  throw new Error('Use a code from the authenticator app or a recovery code.');
}

export function createTwoFactor(api: Client<paths>, session: Session): TwoFactorApi {
  const replace = (data: { access_token: string | null; expires_in: number | null } | undefined) => {
    if (data?.access_token && data.expires_in !== null) session.replaceToken(data.access_token, data.expires_in);
  };
  return {
    status: async () => (await api.GET('/api/me/2fa')).data!,
    async startTotp(input = {}) {
      const { data } = await api.POST('/api/me/2fa/totp', { body: input });
      return { secret: data!.secret, otpauthUri: data!.otpauth_uri };
    },
    async confirmTotp(code) {
      const { data } = await api.POST('/api/me/2fa/totp/confirm', { body: { code } });
      replace(data);
      return data!.recovery_codes;
    },
    async disableTotp(input) {
      await api.DELETE('/api/me/2fa/totp', { body: codeBody(input) });
    },
    regenerateRecoveryCodes: async (input) =>
      (await api.POST('/api/me/2fa/recovery-codes', { body: codeBody(input) })).data!.recovery_codes,
    async stepUp(input) {
      const body = await factorBody(input, async () => (await api.POST('/api/auth/step-up/passkey-options')).data!);
      replace((await api.POST('/api/auth/step-up', { body })).data);
    },
  };
}
