'use client';
// My organizations, with my role in each and a button to act for one (the same as the switcher in
// the nav), a form to create one (its creator is its owner, and acts for it at once), and, for the
// organization I act for when I am one of its admins or owners, its API keys (components/api-keys.tsx).
import type { Organization } from '@liftoff/client';
import Link from 'next/link';
import { useState } from 'react';
import { ApiKeys } from '@/components/api-keys';
import { Alert, Field, formValues, SubmitButton, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { activeDetails, canManage } from '@/lib/orgs';

export function Organizations() {
  const { client, organization, organizations } = useLiftoff();
  const { pending, error, run } = useAction();
  return (
    <>
      <h1>Organizations</h1>
      <section className="card" aria-labelledby="orgs-title">
        <h2 id="orgs-title">Your organizations</h2>
        {error && <Alert>{error}</Alert>}
        {organizations === null ? (
          <p className="muted">Loading…</p>
        ) : organizations.length === 0 ? (
          <p className="muted">
            You do not belong to an organization yet. Create one below, or open the link of an invitation you were
            emailed.
          </p>
        ) : (
          <ul className="rows" data-testid="organizations">
            {organizations.map((candidate) => {
              const active = candidate.id === organization?.id;
              return (
                <li key={candidate.id} data-active={active}>
                  <div>
                    <strong>{candidate.name}</strong>
                    {active && <span className="badge badge-ok">Active</span>}
                    <div className="muted">
                      {candidate.slug} · your role: {candidate.role}
                    </div>
                  </div>
                  {active ? (
                    <Link href="/members">Members</Link>
                  ) : (
                    <button
                      type="button"
                      className="button-secondary"
                      disabled={pending}
                      onClick={() =>
                        void run(async () => {
                          await client.orgs.activate(candidate.id);
                        })
                      }
                    >
                      Switch to {candidate.name}
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <OrganizationApiKeys />
      <CreateOrganization />
    </>
  );
}

/**
 * The API keys of the organization I act for, if my role there lets me manage them (the API checks
 * it again: ORG_ROLE_REQUIRED). Keyed by organization: switching shows the new one's keys.
 */
function OrganizationApiKeys() {
  const { organization, organizations } = useLiftoff();
  const details = activeDetails(organization, organizations);
  if (!details) return null;
  if (!canManage(details.role)) {
    return <p className="muted">Only the admins and owners of {details.name} manage its API keys.</p>;
  }
  return <ApiKeys key={details.id} orgId={details.id} title={`API keys of ${details.name}`} />;
}

function CreateOrganization() {
  const { client, reloadOrganizations } = useLiftoff();
  const { pending, error, run } = useAction();
  const [created, setCreated] = useState<Organization | null>(null);
  return (
    <section className="card" aria-labelledby="create-org-title">
      <h2 id="create-org-title">Create an organization</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const { name, slug } = formValues(form);
          setCreated(null);
          void run(async () => {
            const organization = await client.orgs.create({ name: name!.trim(), ...(slug ? { slug } : {}) });
            // Its creator will want to act for it (invite people, try its features) at once.
            await client.orgs.activate(organization.id);
            await reloadOrganizations();
            form.reset();
            setCreated(organization);
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        {created && (
          <Alert kind="success">
            {created.name} is created, and you are now acting for it. <Link href="/members">Invite people</Link>
          </Alert>
        )}
        <Field label="Name" name="name" autoComplete="organization" maxLength={100} required />
        <Field
          label="Short name (optional)"
          name="slug"
          autoComplete="off"
          minLength={3}
          maxLength={48}
          pattern="[a-z0-9]+(-[a-z0-9]+)*"
          hint="Lower-case letters and digits, joined by single hyphens. Made from the name when left empty."
        />
        <SubmitButton pending={pending}>Create organization</SubmitButton>
      </form>
    </section>
  );
}
