'use client';
// Opens the emailed link while signed in, so the access token goes along with it: the API then keeps
// the password (or provider) that started this session, and removes credentials nobody vouched for.
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { Alert } from '@/components/ui';
import { SignInForm } from '@/components/sign-in-form';
import { useLiftoff } from '@/components/liftoff-provider';
import { errorMessage } from '@/lib/errors';

export function VerifyEmail({ token }: { token: string }) {
  const { client, user, ready, reloadUser } = useLiftoff();
  const [state, setState] = useState<
    { status: 'waiting' | 'verifying' | 'verified' } | { status: 'failed'; message: string }
  >({
    status: 'waiting',
  });
  // The token is single use: post it once, even if React runs the effect twice.
  const sent = useRef(false);

  useEffect(() => {
    if (!ready || !user || !token || user.email_verified || sent.current) return;
    sent.current = true;
    setState({ status: 'verifying' });
    client.api
      .POST('/api/auth/verify-email', { body: { token } })
      .then(() => reloadUser())
      .then(() => setState({ status: 'verified' }))
      .catch((error: unknown) => setState({ status: 'failed', message: errorMessage(error) }));
  }, [client, ready, user, token, reloadUser]);

  let body;
  if (!token) body = <Alert>This link is incomplete. Open the link from the email again.</Alert>;
  else if (!ready) body = <p className="muted">Loading…</p>;
  else if (state.status === 'verified' || (user?.email_verified && state.status === 'waiting'))
    body = (
      <Alert kind="success">
        Your email address is verified. <Link href="/account">Go to your account</Link>
      </Alert>
    );
  else if (state.status === 'failed') body = <Alert>{state.message}</Alert>;
  else if (state.status === 'verifying') body = <p aria-live="polite">Verifying your email address…</p>;
  else
    body = (
      <>
        <p>Sign in to confirm that this address is yours.</p>
        <SignInForm next={`/verify-email?token=${encodeURIComponent(token)}`} onSignedIn={() => undefined} />
      </>
    );

  return (
    <section className="card narrow">
      <h1>Verify your email</h1>
      {body}
    </section>
  );
}
