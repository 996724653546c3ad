'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Alert, Field, formValues, SubmitButton, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { safeNextPath } from '@/lib/next-path';

export function SignUpPage({ next }: { next?: string }) {
  const { client } = useLiftoff();
  const router = useRouter();
  // `?next=` (an invitation link, say): back there after signing up; else the account page.
  const target = next === undefined ? null : safeNextPath(next);
  const { pending, error, run } = useAction();
  return (
    <section className="card narrow">
      <h1>Create an account</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const { name, email, password } = formValues(event.currentTarget);
          void run(async () => {
            await client.auth.signUp({ email: email!, password: password!, ...(name ? { name } : {}) });
            // The API has emailed a verification link; the account page says so until it is used.
            router.push(target ?? '/account?welcome=1');
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        <Field label="Name (optional)" name="name" autoComplete="name" maxLength={100} />
        <Field label="Email" name="email" type="email" autoComplete="email" required />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          maxLength={128}
          required
          hint="At least 8 characters. Very common passwords are refused."
        />
        <SubmitButton pending={pending}>Create account</SubmitButton>
      </form>
      <p className="muted">
        Already have an account?{' '}
        <Link href={target ? `/login?next=${encodeURIComponent(target)}` : '/login'}>Sign in</Link>
      </p>
    </section>
  );
}
