'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Alert, Field, formValues, SubmitButton, UsernameField, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';

export function ResetPassword({ token }: { token: string }) {
  const { client, user } = useLiftoff();
  const { pending, error, run } = useAction();
  const [done, setDone] = useState(false);
  if (!token) {
    return (
      <section className="card narrow">
        <h1>Choose a new password</h1>
        <Alert>This link is incomplete. Open the link from the email again, or ask for a new one.</Alert>
        <Link href="/forgot-password">Ask for a new link</Link>
      </section>
    );
  }
  return (
    <section className="card narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <Alert kind="success">
          Your password has been changed and every session has been signed out. <Link href="/login">Sign in</Link>
        </Alert>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const { password } = formValues(event.currentTarget);
            void run(async () => {
              await client.api.POST('/api/auth/password/reset', { body: { token, password: password! } });
              // The reset ended every session, this tab's included: forget it here too.
              if (client.auth.state.signedIn) await client.auth.signOut();
              setDone(true);
            });
          }}
        >
          {error && <Alert>{error}</Alert>}
          {/* Whose password this is, for password managers: the signed-in user's address, if any (the
              emailed link carries only the token, and no address is kept in the browser for it). */}
          <UsernameField email={user?.email ?? ''} />
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={8}
            maxLength={128}
            required
          />
          <SubmitButton pending={pending}>Set new password</SubmitButton>
          <p className="muted">
            Link expired? <Link href="/forgot-password">Ask for a new one</Link>
          </p>
        </form>
      )}
    </section>
  );
}
