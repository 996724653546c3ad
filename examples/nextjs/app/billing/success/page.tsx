import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { CheckoutSuccess } from './checkout-success';

export const metadata: Metadata = { title: 'Thank you' };

// Stripe Checkout sends the browser here (?session_id=...) after a payment.
export default function Page() {
  return (
    <RequireSignIn next="/billing/success">
      <CheckoutSuccess />
    </RequireSignIn>
  );
}
