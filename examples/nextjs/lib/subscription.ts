import type { components } from '@liftoff/client';

export type Subscription = components['schemas']['Subscription'];

/** The statuses in which the API refuses a new checkout (409 ALREADY_SUBSCRIBED): use the portal. */
const LIVE = new Set<Subscription['status']>(['active', 'trialing', 'past_due', 'unpaid']);
export const isLive = (subscription: Subscription) => LIVE.has(subscription.status);

/** The statuses that open paid features (the API's requireSubscription()). */
export const isPaid = (subscription: Subscription) =>
  subscription.status === 'active' || subscription.status === 'trialing';

export const STATUS_LABELS: Record<Subscription['status'], string> = {
  none: 'No subscription',
  incomplete: 'Waiting for the first payment',
  incomplete_expired: 'Expired before the first payment',
  trialing: 'Trial',
  active: 'Active',
  past_due: 'Payment overdue',
  canceled: 'Cancelled',
  unpaid: 'Unpaid',
  paused: 'Paused',
};
