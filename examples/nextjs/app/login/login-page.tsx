'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Alert } from '@/components/ui';
import { SecondFactorStep } from '@/components/second-factor';
import { SignInForm } from '@/components/sign-in-form';
import { useLiftoff } from '@/components/liftoff-provider';
import { oauthErrorMessage } from '@/lib/errors';
import { safeNextPath } from '@/lib/next-path';

export function LoginPage({ oauthError, next }: { oauthError: string | null; next?: string }) {
  const router = useRouter();
  const { user, ready, pendingSecondFactor, clearPendingSecondFactor } = useLiftoff();
  const target = safeNextPath(next);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      {oauthError && <Alert>{oauthErrorMessage(oauthError)}</Alert>}
      {pendingSecondFactor && !user ? (
        // Back from a provider (APP_URL/login#mfa_token=...): the code completes that sign-in, which
        // then goes where it was going (its redirect_to, a path of this site), else to `target`.
        <SecondFactorStep
          challenge={pendingSecondFactor}
          onSignedIn={({ redirectTo }) => {
            clearPendingSecondFactor();
            router.push(safeNextPath(redirectTo ?? undefined, target));
          }}
          onRestart={clearPendingSecondFactor}
        />
      ) : ready && user ? (
        <Alert kind="info">
          You are signed in as {user.email}. <Link href={target}>Continue</Link>
        </Alert>
      ) : (
        <SignInForm next={target} onSignedIn={() => router.push(target)} />
      )}
      <p className="muted">
        New here? <Link href={next ? `/signup?next=${encodeURIComponent(target)}` : '/signup'}>Create an account</Link>
      </p>
    </section>
  );
}
