'use client';
// The invitation link. Signed out: sign in or create an account (with the invited address), and come
// back here (?next=). Signed in with an address not yet verified: verify it first (the API accepts
// only a verified, invited address). Then one click accepts, and the new organization can be made
// the active one.
import { isLiftoffError, type Organization } from '@liftoff/client';
import Link from 'next/link';
import { useState } from 'react';
import { Alert, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { errorMessage } from '@/lib/errors';

type Failure = { code: 'mismatch' | 'invalid' | 'other'; message: string };

export function AcceptInvitation({ token }: { token: string }) {
  const { client, user, ready, organization, reloadUser, reloadOrganizations } = useLiftoff();
  const { pending, error, run } = useAction();
  const [joined, setJoined] = useState<Organization | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;

  function accept() {
    setFailure(null);
    void run(async () => {
      try {
        setJoined(await client.orgs.acceptInvitation(token));
        await reloadOrganizations();
      } catch (caught) {
        if (isLiftoffError(caught, 'INVITATION_EMAIL_MISMATCH'))
          setFailure({ code: 'mismatch', message: errorMessage(caught) });
        else if (isLiftoffError(caught, 'INVITATION_INVALID'))
          setFailure({ code: 'invalid', message: errorMessage(caught) });
        else throw caught;
      }
    });
  }

  let body;
  if (!token) body = <Alert>This link is incomplete. Open the link from the email again.</Alert>;
  else if (!ready) body = <p className="muted">Loading…</p>;
  else if (joined)
    body = (
      <>
        <Alert kind="success">
          You are now a member of <strong>{joined.name}</strong>, as {joined.role}.
        </Alert>
        {error && <Alert>{error}</Alert>}
        {organization?.id === joined.id ? (
          <p>
            You are acting for {joined.name}. <Link href="/members">See its members</Link>
          </p>
        ) : (
          <p className="actions">
            <button
              type="button"
              disabled={pending}
              onClick={() =>
                void run(async () => {
                  await client.orgs.activate(joined.id);
                })
              }
            >
              Switch to {joined.name}
            </button>
            <Link className="button button-secondary" href="/organizations">
              Your organizations
            </Link>
          </p>
        )}
      </>
    );
  else if (!user)
    body = (
      <>
        <p>
          You have been invited to join an organization. Sign in, or create an account, with the email address the
          invitation was sent to; you will come back here to accept it.
        </p>
        <p className="actions">
          <Link className="button" href={`/login?next=${encodeURIComponent(here)}`}>
            Sign in
          </Link>
          <Link className="button button-secondary" href={`/signup?next=${encodeURIComponent(here)}`}>
            Create an account
          </Link>
        </p>
      </>
    );
  else if (!user.email_verified)
    body = (
      <>
        <Alert kind="info">
          Verify your email address first: open the link we emailed to {user.email}, then come back to this page.
        </Alert>
        {error && <Alert>{error}</Alert>}
        <p className="actions">
          <button type="button" disabled={pending} onClick={() => void run(reloadUser)}>
            I have verified it
          </button>
          <button
            type="button"
            className="button-secondary"
            disabled={pending}
            onClick={() =>
              void run(async () => {
                await client.api.POST('/api/auth/verify-email/resend');
              })
            }
          >
            Send the verification link again
          </button>
        </p>
      </>
    );
  else
    body = (
      <>
        <p>
          You are signed in as <strong>{user.email}</strong>.
        </p>
        {failure && <Alert>{failure.message}</Alert>}
        {error && <Alert>{error}</Alert>}
        {failure?.code === 'mismatch' ? (
          <p>
            <button
              type="button"
              className="button-secondary"
              disabled={pending}
              onClick={() =>
                void run(async () => {
                  await client.auth.signOut();
                  setFailure(null);
                })
              }
            >
              Sign out, to sign in with another address
            </button>
          </p>
        ) : failure?.code === 'invalid' ? null : (
          <button type="button" disabled={pending} aria-busy={pending} onClick={accept}>
            {pending ? 'Please wait…' : 'Accept invitation'}
          </button>
        )}
      </>
    );

  return (
    <section className="card narrow">
      <h1>Join an organization</h1>
      {body}
    </section>
  );
}
