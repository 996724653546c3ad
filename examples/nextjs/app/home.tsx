'use client';
import Link from 'next/link';
import { Alert } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';

export function Home({ deleted }: { deleted: boolean }) {
  const { user, ready } = useLiftoff();
  return (
    <section className="hero">
      {deleted && <Alert kind="success">Your account has been deleted.</Alert>}
      <h1>Your product starts here</h1>
      <p className="lead">
        A Next.js front end for a Liftoff API: accounts, sessions, email flows and Stripe billing, ready to build on.
      </p>
      {!ready ? (
        <p className="muted">Loading…</p>
      ) : user ? (
        <p>
          Signed in as <strong>{user.name ?? user.email}</strong>. <Link href="/account">Your account</Link> ·{' '}
          <Link href="/billing">Billing</Link> · <Link href="/paid">Paid feature</Link>
        </p>
      ) : (
        <p className="actions">
          <Link className="button" href="/signup">
            Create an account
          </Link>
          <Link className="button button-secondary" href="/login">
            Sign in
          </Link>
        </p>
      )}
    </section>
  );
}
