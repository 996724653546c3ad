'use client';
// The subscription is recorded from Stripe's webhooks, a moment after the browser comes back: poll
// until the API knows it.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { Alert } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { errorMessage } from '@/lib/errors';
import { planLabel } from '@/lib/plans';
import { isPaid, type Subscription } from '@/lib/subscription';

const POLL_EVERY_MS = 1_000;
const GIVE_UP_AFTER_MS = 30_000;

export function CheckoutSuccess() {
  const { client } = useLiftoff();
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let stopped = false;
    const deadline = Date.now() + GIVE_UP_AFTER_MS;
    async function poll() {
      while (!stopped) {
        try {
          const { data } = await client.api.GET('/api/billing/subscription');
          if (data!.status !== 'none') return setSubscription(data!);
        } catch (error) {
          return setProblem(errorMessage(error));
        }
        if (Date.now() > deadline) {
          return setProblem('Your payment is still being confirmed. Check the billing page again in a minute.');
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
      }
    }
    void poll();
    return () => {
      stopped = true;
    };
  }, [client]);

  return (
    <section className="card narrow">
      <h1>Thank you!</h1>
      {problem ? (
        <Alert>{problem}</Alert>
      ) : !subscription ? (
        <p aria-live="polite">Confirming your payment…</p>
      ) : isPaid(subscription) ? (
        <Alert kind="success">
          You are subscribed to {planLabel(subscription.price_id)}. <Link href="/paid">Open the paid feature</Link>
        </Alert>
      ) : (
        <Alert kind="info">
          Your subscription is {subscription.status.replace('_', ' ')}. <Link href="/billing">See billing</Link>
        </Alert>
      )}
    </section>
  );
}
