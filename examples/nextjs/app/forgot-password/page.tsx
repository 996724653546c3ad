'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Alert, Field, formValues, SubmitButton, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';

export default function ForgotPasswordPage() {
  const { client } = useLiftoff();
  const { pending, error, run } = useAction();
  const [sentTo, setSentTo] = useState<string | null>(null);
  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      {sentTo ? (
        // The API answers the same whether or not the address has an account, and so does this page.
        <Alert kind="success">
          If an account exists for {sentTo}, we have sent it a link to choose a new password. It works for one hour.
        </Alert>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const { email } = formValues(event.currentTarget);
            void run(async () => {
              await client.api.POST('/api/auth/password/forgot', { body: { email: email! } });
              setSentTo(email!);
            });
          }}
        >
          {error && <Alert>{error}</Alert>}
          <p>Enter your email address and we will send you a link to choose a new password.</p>
          <Field label="Email" name="email" type="email" autoComplete="email" required />
          <SubmitButton pending={pending}>Send reset link</SubmitButton>
        </form>
      )}
      <p className="muted">
        <Link href="/login">Back to sign in</Link>
      </p>
    </section>
  );
}
