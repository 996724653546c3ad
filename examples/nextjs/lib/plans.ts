// Display names for the Stripe price ids in the API's STRIPE_PRICE_IDS (GET /api/billing/plans
// lists the ids only). Put your own here; an id without a label is shown as it is.
const PLAN_LABELS: Record<string, string> = {
  price_basic: 'Basic',
  price_pro: 'Pro',
};

export function planLabel(priceId: string | null | undefined): string {
  if (!priceId) return 'Unknown plan';
  return PLAN_LABELS[priceId] ?? priceId;
}
