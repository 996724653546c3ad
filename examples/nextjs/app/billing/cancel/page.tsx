import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Checkout cancelled' };

// Stripe Checkout sends the browser here when the user goes back without paying.
export default function Page() {
  return (
    <section className="card narrow">
      <h1>Checkout cancelled</h1>
      <p>Nothing was charged. You can choose a plan whenever you like.</p>
      <Link className="button" href="/billing">
        Back to billing
      </Link>
    </section>
  );
}
