'use client';
// Password sign-in, "Sign in with a passkey" (no password, no email: the browser asks which passkey,
// and for its PIN or fingerprint), and a button for each provider the API has settings for (GET
// /api/auth/providers). An account with a second factor then gets a second step here after its
// password: a passkey, or the code from its authenticator app (or a recovery code).
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { isSecondFactorRequired, type ProviderName, type SecondFactorRequired } from '@liftoff/client';
import { PASSKEY_MESSAGES } from '@/lib/errors';
import { Alert, Field, formValues, SubmitButton, useAction, usePasskeySupport } from './ui';
import { useLiftoff } from './liftoff-provider';
import { SecondFactorStep } from './second-factor';

const PROVIDER_LABELS: Record<ProviderName, string> = { google: 'Google', github: 'GitHub', oidc: 'single sign-on' };

export function SignInForm({ next, onSignedIn }: { next: string; onSignedIn(): void }) {
  const { client } = useLiftoff();
  const { pending, error, run } = useAction();
  const [providers, setProviders] = useState<ProviderName[]>([]);
  const passkeys = usePasskeySupport();
  // The password was right and the account has a second factor: no session until a code completes it.
  const [challenge, setChallenge] = useState<SecondFactorRequired | null>(null);

  useEffect(() => {
    client.api
      .GET('/api/auth/providers')
      .then(({ data }) => setProviders(data!.providers))
      // Without the list the password form still works: just no provider buttons.
      .catch(() => setProviders([]));
  }, [client]);

  if (challenge) {
    return (
      <SecondFactorStep challenge={challenge} onSignedIn={() => onSignedIn()} onRestart={() => setChallenge(null)} />
    );
  }

  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const { email, password } = formValues(event.currentTarget);
          void run(async () => {
            try {
              await client.auth.signIn({ email: email!, password: password! });
            } catch (caught) {
              if (!isSecondFactorRequired(caught)) throw caught;
              setChallenge(caught);
              return;
            }
            onSignedIn();
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <SubmitButton pending={pending}>Sign in</SubmitButton>
        <p className="muted">
          <Link href="/forgot-password">Forgot your password?</Link>
        </p>
      </form>
      {(passkeys || providers.length > 0) && (
        <div className="providers">
          <p className="muted">Or continue with</p>
          {passkeys && (
            <button
              type="button"
              className="button-secondary"
              disabled={pending}
              onClick={() =>
                // A passkey is both factors (something you have, unlocked by a PIN or fingerprint):
                // no second step. Its errors show above the password form.
                void run(async () => {
                  await client.auth.signInWithPasskey();
                  onSignedIn();
                }, PASSKEY_MESSAGES)
              }
            >
              Sign in with a passkey
            </button>
          )}
          {providers.map((provider) => (
            // A plain navigation to the API, which redirects to the provider and back to `next`.
            <a key={provider} className="button button-secondary" href={client.auth.oauthUrl(provider, next)}>
              {PROVIDER_LABELS[provider]}
            </a>
          ))}
        </div>
      )}
    </>
  );
}
