// Second factors: the sign-in's second step (thrown as SecondFactorRequired, with what completes it),
// setting up an authenticator app, recovery codes and step-up, whose access tokens replace the
// client's (and every tab's: see Session.replaceToken).
import type { Client } from 'openapi-fetch';
import type { components, paths } from './api.js';
import type { Session, User } from './session.js';

export type SecondFactorMethod = components['schemas']['MfaRequired']['methods'][number];

/** A fresh second factor: a code from the authenticator app, or a recovery code. */
export type SecondFactorInput = { code: string } | { recoveryCode: string };

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
  disableTotp(input: SecondFactorInput): Promise<void>;
  regenerateRecoveryCodes(input: SecondFactorInput): Promise<string[]>;
  /**
   * After a `STEP_UP_REQUIRED` error: proves a factor again (`{password}` for an account without a
   * second factor), then retry the call.
   */
  stepUp(input: SecondFactorInput | { password: string }): Promise<void>;
}

const body = (input: SecondFactorInput | { password: string }) =>
  'code' in input
    ? { code: input.code }
    : 'recoveryCode' in input
      ? { recovery_code: input.recoveryCode }
      : { password: input.password };

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
      await api.DELETE('/api/me/2fa/totp', { body: body(input) as { code: string } });
    },
    regenerateRecoveryCodes: async (input) =>
      (await api.POST('/api/me/2fa/recovery-codes', { body: body(input) as { code: string } })).data!.recovery_codes,
    async stepUp(input) {
      replace((await api.POST('/api/auth/step-up', { body: body(input) })).data);
    },
  };
}
