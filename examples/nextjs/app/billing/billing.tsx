'use client';
// Plans (the API's STRIPE_PRICE_IDS), the current subscription, Stripe Checkout and the customer portal.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { Alert, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { planLabel } from '@/lib/plans';
import { isLive, isPaid, STATUS_LABELS, type Subscription } from '@/lib/subscription';

export function Billing() {
  const { client } = useLiftoff();
  const [subscription, setSubscription] = useState<Subscription | null>(null);
  const [plans, setPlans] = useState<string[] | null>(null);
  const loading = useAction();
  const action = useAction();

  useEffect(() => {
    void loading.run(async () => {
      const [current, offered] = await Promise.all([
        client.api.GET('/api/billing/subscription'),
        client.api.GET('/api/billing/plans'),
      ]);
      setSubscription(current.data!);
      setPlans(offered.data!.plans.map((plan) => plan.price_id));
    });
    // Once per mount (`loading` is a new object on every render, so it is not a dependency).
  }, [client]);

  // Both answers are a URL on Stripe: the browser leaves for it, and Stripe sends it back here.
  const checkout = (priceId: string) =>
    action.run(async () => {
      const { data } = await client.api.POST('/api/billing/checkout', { body: { price_id: priceId } });
      location.assign(data!.url);
    });
  const portal = () =>
    action.run(async () => {
      const { data } = await client.api.POST('/api/billing/portal');
      location.assign(data!.url);
    });

  if (loading.error) return <Alert>{loading.error}</Alert>;
  if (!subscription || !plans) return <p className="muted">Loading…</p>;
  return (
    <>
      <h1>Billing</h1>
      {action.error && <Alert>{action.error}</Alert>}
      <section className="card" aria-labelledby="current-title">
        <h2 id="current-title">Your subscription</h2>
        <dl className="facts" data-testid="subscription">
          <dt>Status</dt>
          <dd>
            <span className={`badge ${isPaid(subscription) ? 'badge-ok' : 'badge-warn'}`}>
              {STATUS_LABELS[subscription.status]}
            </span>
          </dd>
          {subscription.status !== 'none' && (
            <>
              <dt>Plan</dt>
              <dd>{planLabel(subscription.price_id)}</dd>
              {subscription.current_period_end && (
                <>
                  <dt>{subscription.cancel_at_period_end ? 'Ends on' : 'Renews on'}</dt>
                  <dd>{new Date(subscription.current_period_end).toLocaleDateString('en', { dateStyle: 'long' })}</dd>
                </>
              )}
            </>
          )}
        </dl>
        {subscription.status !== 'none' && (
          <button type="button" className="button-secondary" disabled={action.pending} onClick={portal}>
            Manage billing
          </button>
        )}
        {isPaid(subscription) && (
          <p>
            <Link href="/paid">Open the paid feature</Link>
          </p>
        )}
      </section>
      {!isLive(subscription) && (
        <section aria-labelledby="plans-title">
          <h2 id="plans-title">Plans</h2>
          {plans.length === 0 ? (
            <Alert kind="info">Billing is not set up on this server (STRIPE_PRICE_IDS is empty).</Alert>
          ) : (
            <ul className="plans">
              {plans.map((priceId) => (
                <li key={priceId} className="card plan">
                  <h3>{planLabel(priceId)}</h3>
                  <button type="button" disabled={action.pending} onClick={() => checkout(priceId)}>
                    Subscribe to {planLabel(priceId)}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}
