'use client';
// The second factor in forms: a code from the authenticator app, or a recovery code instead, or a
// passkey (the browser asks for it); the sign-in's second step (after a password, or after an OAuth
// redirect); and step-up, which proves a factor again when a sensitive call answers
// STEP_UP_REQUIRED and then makes the call once more.
import {
  isLiftoffError,
  type SecondFactorInput,
  type SecondFactorMethod,
  type SecondFactorRequired,
  type User,
} from '@liftoff/client';
import { useEffect, useId, useState } from 'react';
import { PASSKEY_MESSAGES, type Messages } from '@/lib/errors';
import { Alert, Field, formValues, SubmitButton, useAction, UsernameField, usePasskeySupport } from './ui';
import { useLiftoff } from './liftoff-provider';

const ALL_METHODS: SecondFactorMethod[] = ['totp', 'recovery_code'];

/**
 * Inside a form: the 6-digit code field (named `code`) or the recovery-code field
 * (`recovery_code`), and a switch between the two when both are offered. Read them back with
 * secondFactorInput().
 */
export function SecondFactorFields({ methods = ALL_METHODS }: { methods?: SecondFactorMethod[] }) {
  const [recovery, setRecovery] = useState(!methods.includes('totp'));
  const canSwitch = methods.includes('totp') && methods.includes('recovery_code');
  // A passkey is a button, not a field (PasskeyButton).
  if (!methods.includes('totp') && !methods.includes('recovery_code')) return null;
  return (
    <>
      {recovery ? (
        <Field
          key="recovery_code"
          label="Recovery code"
          name="recovery_code"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={64}
          required
          autoFocus
          hint="One of the codes you saved when you set up the app, such as abcd-efgh-ijkl-mnop. Each one works once."
        />
      ) : (
        <Field
          key="code"
          label="Code from your authenticator app"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          // Six digits; the spaces some apps show between them are allowed (and dropped).
          pattern="\s*(\d\s*){6}"
          maxLength={12}
          required
          autoFocus
          hint="The 6-digit code your app shows for this site. It changes every 30 seconds."
        />
      )}
      {canSwitch && (
        <p>
          <button type="button" className="link-button" onClick={() => setRecovery(!recovery)}>
            {recovery ? 'Use a code from your app instead' : 'Use a recovery code instead'}
          </button>
        </p>
      )}
    </>
  );
}

/** A code typed in SecondFactorFields: from the app, or a recovery code. */
export type CodeInput = { code: string } | { recoveryCode: string };

/** What SecondFactorFields' form holds, for the client's `verify()`, `stepUp()`, `disableTotp()`... */
export function secondFactorInput(form: HTMLFormElement): CodeInput {
  const { code, recovery_code } = formValues(form);
  return code !== undefined ? { code: code.replace(/\s+/g, '') } : { recoveryCode: recovery_code!.trim() };
}

/**
 * "Use a passkey": the browser asks for one of the account's passkeys. Shown once the page knows
 * the browser can (usePasskeySupport); `alone` says so when it cannot and nothing else is offered.
 */
function PasskeyButton({ pending, alone, onClick }: { pending: boolean; alone: boolean; onClick(): void }) {
  const supported = usePasskeySupport();
  if (supported === null) return null;
  if (!supported) {
    return alone ? (
      <Alert kind="info">This browser cannot use passkeys: use a browser or device that has your passkey.</Alert>
    ) : null;
  }
  return (
    <button type="button" disabled={pending} onClick={onClick}>
      Use a passkey
    </button>
  );
}

/** What a step asks for, in words: a passkey, a code, or either. */
function factorWords(methods: readonly SecondFactorMethod[]): string {
  const passkey = methods.includes('passkey');
  const code = methods.includes('totp') || methods.includes('recovery_code');
  if (passkey && code) return 'your passkey, or a code from your authenticator app (or a recovery code)';
  if (passkey) return 'your passkey';
  return 'a code from your authenticator app (or a recovery code)';
}

/**
 * The sign-in's second step: the account has a second factor (an authenticator app, a passkey), so
 * the password (or the provider) started no session yet; a code or a passkey completes it.
 * `challenge` is the SecondFactorRequired that `auth.signIn()` or `auth.completeOAuth()` threw; its
 * `methods` say what to offer. After MFA_TOKEN_INVALID (5 minutes passed, or the step was completed
 * elsewhere) only signing in again helps: `onRestart`.
 */
export function SecondFactorStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  challenge: SecondFactorRequired;
  onSignedIn(user: User & { redirectTo?: string | null }): void;
  onRestart(): void;
}) {
  const { pending, error, run } = useAction();
  const [expired, setExpired] = useState(false);
  const titleId = useId();
  const withPasskey = challenge.methods.includes('passkey');
  const withCode = challenge.methods.some((method) => method !== 'passkey');

  function verify(input: SecondFactorInput) {
    void run(
      async () => {
        try {
          onSignedIn(await challenge.verify(input));
        } catch (caught) {
          if (isLiftoffError(caught, 'MFA_TOKEN_INVALID')) setExpired(true);
          throw caught;
        }
      },
      'passkey' in input ? PASSKEY_MESSAGES : undefined,
    );
  }

  const cancel = (
    <button type="button" className="button-secondary" onClick={onRestart} disabled={pending}>
      Cancel
    </button>
  );
  return (
    <div aria-labelledby={titleId} role="group">
      <h2 id={titleId}>Two-step verification</h2>
      {expired ? (
        <>
          {error && <Alert>{error}</Alert>}
          <button type="button" onClick={onRestart}>
            Sign in again
          </button>
        </>
      ) : (
        <>
          <p>Your account has a second factor. To finish signing in, use {factorWords(challenge.methods)}.</p>
          {error && <Alert>{error}</Alert>}
          {withCode ? (
            <form
              aria-label="Enter a code"
              onSubmit={(event) => {
                event.preventDefault();
                verify(secondFactorInput(event.currentTarget));
              }}
            >
              {withPasskey && (
                <p>
                  <PasskeyButton pending={pending} alone={false} onClick={() => verify({ passkey: true })} />
                </p>
              )}
              <SecondFactorFields methods={challenge.methods} />
              <div className="actions">
                <SubmitButton pending={pending}>Verify</SubmitButton>
                {cancel}
              </div>
            </form>
          ) : (
            <div className="actions">
              <PasskeyButton pending={pending} alone onClick={() => verify({ passkey: true })} />
              {cancel}
            </div>
          )}
        </>
      )}
    </div>
  );
}

/**
 * Step-up for a sensitive call (password change, account deletion, unlinking a provider, passkeys,
 * making an API key). Pass the form's `run` (useAction); use the returned `run` instead of it and
 * render `prompt` below the form. When the action throws STEP_UP_REQUIRED (this session has not
 * proven the account's second factor, e.g. it started before the factor was set up; or, for adding
 * a passkey or making an API key, the last sign-in is more than 10 minutes old), `prompt` asks for a passkey, a code or the password (what
 * the account has), calls `twoFactor.stepUp()`, and runs the action again, its errors shown by the
 * form as usual (worded with `messages`, as useAction's run).
 */
export function useStepUp(run: (action: () => Promise<void>, messages?: Messages) => Promise<void>) {
  const [retry, setRetry] = useState<{ action: () => Promise<void>; messages?: Messages } | null>(null);
  function guarded(action: () => Promise<void>, messages?: Messages) {
    setRetry(null);
    return run(async () => {
      try {
        await action();
      } catch (caught) {
        if (!isLiftoffError(caught, 'STEP_UP_REQUIRED')) throw caught;
        setRetry({ action, messages });
      }
    }, messages);
  }
  const prompt = retry && (
    <StepUpPrompt onConfirmed={() => void guarded(retry.action, retry.messages)} onCancel={() => setRetry(null)} />
  );
  return { run: guarded, prompt };
}

/** What the account can step up with: its second factors, else its password. */
interface Factors {
  totp: boolean;
  passkey: boolean;
}

function StepUpPrompt({ onConfirmed, onCancel }: { onConfirmed(): void; onCancel(): void }) {
  const { client, user } = useLiftoff();
  const { pending, error, run } = useAction();
  const [factors, setFactors] = useState<Factors | null>(null);
  const titleId = useId();
  // Once per prompt: what to ask for.
  useEffect(() => {
    void run(async () => {
      const [status, passkeys] = await Promise.all([client.twoFactor.status(), client.passkeys.list()]);
      setFactors({ totp: status.totp.enabled, passkey: passkeys.length > 0 });
    });
  }, [client]);

  function confirm(input: SecondFactorInput | { password: string }) {
    void run(
      async () => {
        await client.twoFactor.stepUp(input);
        onConfirmed();
      },
      'passkey' in input ? PASSKEY_MESSAGES : undefined,
    );
  }

  const methods: SecondFactorMethod[] = factors
    ? [...(factors.passkey ? ['passkey' as const] : []), ...(factors.totp ? ALL_METHODS : [])]
    : [];
  // An account without a second factor steps up with its password.
  const withPassword = factors !== null && methods.length === 0;
  return (
    <form
      className="step-up"
      aria-labelledby={titleId}
      onSubmit={(event) => {
        event.preventDefault();
        const form = event.currentTarget;
        confirm(withPassword ? { password: formValues(form).password! } : secondFactorInput(form));
      }}
    >
      <h3 id={titleId}>Confirm it is you</h3>
      {factors === null ? (
        !error && <p className="muted">Loading…</p>
      ) : withPassword ? (
        <p>
          This change needs your password again. Then it goes ahead. No password (you sign in with a provider)? Sign out
          and sign in again, then make the change.
        </p>
      ) : (
        <p>This change needs {factorWords(methods)} once more. Then it goes ahead.</p>
      )}
      {error && <Alert>{error}</Alert>}
      {factors?.passkey && factors.totp && (
        <p>
          <PasskeyButton pending={pending} alone={false} onClick={() => confirm({ passkey: true })} />
        </p>
      )}
      {factors?.totp && <SecondFactorFields />}
      {withPassword && (
        <>
          <UsernameField email={user!.email} />
          <Field label="Your password" name="password" type="password" autoComplete="current-password" required />
        </>
      )}
      <div className="actions">
        {(factors?.totp || withPassword) && <SubmitButton pending={pending}>Confirm and continue</SubmitButton>}
        {factors?.passkey && !factors.totp && (
          <PasskeyButton pending={pending} alone onClick={() => confirm({ passkey: true })} />
        )}
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
