'use client';
// The second factor in forms: a code from the authenticator app, or a recovery code instead; the
// sign-in's second step (after a password, or after an OAuth redirect); and step-up, which proves
// it again when a sensitive call answers STEP_UP_REQUIRED and then makes the call once more.
import {
  isLiftoffError,
  type SecondFactorInput,
  type SecondFactorMethod,
  type SecondFactorRequired,
  type User,
} from '@liftoff/client';
import { useId, useState } from 'react';
import { Alert, Field, formValues, SubmitButton, useAction } from './ui';
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

/** What SecondFactorFields' form holds, for the client's `verify()`, `stepUp()`, `disableTotp()`... */
export function secondFactorInput(form: HTMLFormElement): SecondFactorInput {
  const { code, recovery_code } = formValues(form);
  return code !== undefined ? { code: code.replace(/\s+/g, '') } : { recoveryCode: recovery_code!.trim() };
}

/**
 * The sign-in's second step: the account has an authenticator app, so the password (or the
 * provider) started no session yet; a code completes it. `challenge` is the SecondFactorRequired
 * that `auth.signIn()` or `auth.completeOAuth()` threw. After MFA_TOKEN_INVALID (5 minutes passed,
 * or the step was completed elsewhere) only signing in again helps: `onRestart`.
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
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const input = secondFactorInput(event.currentTarget);
            void run(async () => {
              try {
                onSignedIn(await challenge.verify(input));
              } catch (caught) {
                if (isLiftoffError(caught, 'MFA_TOKEN_INVALID')) setExpired(true);
                throw caught;
              }
            });
          }}
        >
          <p>Your account is protected by an authenticator app. Enter the code it shows to finish signing in.</p>
          {error && <Alert>{error}</Alert>}
          <SecondFactorFields methods={challenge.methods} />
          <div className="actions">
            <SubmitButton pending={pending}>Verify</SubmitButton>
            <button type="button" className="button-secondary" onClick={onRestart} disabled={pending}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/**
 * Step-up for a sensitive call (password change, account deletion, unlinking a provider). Pass the
 * form's `run` (useAction); use the returned `run` instead of it and render `prompt` below the form.
 * When the action throws STEP_UP_REQUIRED (this session has not proven the account's second
 * factor: it started before the app was set up), `prompt` asks for a code, calls
 * `twoFactor.stepUp()`, and runs the action again, its errors shown by the form as usual.
 */
export function useStepUp(run: (action: () => Promise<void>) => Promise<void>) {
  const [retry, setRetry] = useState<(() => Promise<void>) | null>(null);
  function guarded(action: () => Promise<void>) {
    setRetry(null);
    return run(async () => {
      try {
        await action();
      } catch (caught) {
        if (!isLiftoffError(caught, 'STEP_UP_REQUIRED')) throw caught;
        // A function in state is stored through an updater.
        setRetry(() => action);
      }
    });
  }
  const prompt = retry && <StepUpPrompt onConfirmed={() => void guarded(retry)} onCancel={() => setRetry(null)} />;
  return { run: guarded, prompt };
}

function StepUpPrompt({ onConfirmed, onCancel }: { onConfirmed(): void; onCancel(): void }) {
  const { client } = useLiftoff();
  const { pending, error, run } = useAction();
  const titleId = useId();
  return (
    <form
      className="step-up"
      aria-labelledby={titleId}
      onSubmit={(event) => {
        event.preventDefault();
        const input = secondFactorInput(event.currentTarget);
        void run(async () => {
          await client.twoFactor.stepUp(input);
          onConfirmed();
        });
      }}
    >
      <h3 id={titleId}>Confirm it is you</h3>
      <p>This change needs a fresh code from your authenticator app (or a recovery code). Then it goes ahead.</p>
      {error && <Alert>{error}</Alert>}
      <SecondFactorFields />
      <div className="actions">
        <SubmitButton pending={pending}>Confirm and continue</SubmitButton>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
