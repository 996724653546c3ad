'use client';
// GET /api/examples/paid answers 402 SUBSCRIPTION_REQUIRED without an active or trialing
// subscription: this page shows what a paid feature looks like on both sides of that line.
import { isLiftoffError } from '@liftoff/client';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { Alert } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { errorMessage } from '@/lib/errors';

type Result =
  | { kind: 'paid'; message: string }
  | { kind: 'needs-subscription'; message: string }
  | { kind: 'error'; message: string };

export function PaidFeature() {
  const { client } = useLiftoff();
  const [result, setResult] = useState<Result | null>(null);

  useEffect(() => {
    client.api
      .GET('/api/examples/paid')
      .then(({ data }) => setResult({ kind: 'paid', message: data!.message }))
      .catch((error: unknown) =>
        setResult(
          isLiftoffError(error, 'SUBSCRIPTION_REQUIRED')
            ? { kind: 'needs-subscription', message: errorMessage(error) }
            : { kind: 'error', message: errorMessage(error) },
        ),
      );
  }, [client]);

  return (
    <>
      <h1>Paid feature</h1>
      {!result ? (
        <p className="muted">Loading…</p>
      ) : result.kind === 'paid' ? (
        <section className="card paid" data-testid="paid-content">
          <h2>You&apos;re in</h2>
          <p>{result.message}</p>
        </section>
      ) : result.kind === 'needs-subscription' ? (
        <section className="card locked" data-testid="paywall">
          <h2>Subscribers only</h2>
          <p>{result.message} Choose a plan to unlock it.</p>
          <p className="muted">
            The API answered <code>402 SUBSCRIPTION_REQUIRED</code>: the route is guarded by{' '}
            <code>subscriberGuard()</code>.
          </p>
          <Link className="button" href="/billing">
            See plans
          </Link>
        </section>
      ) : (
        <Alert>{result.message}</Alert>
      )}
    </>
  );
}
