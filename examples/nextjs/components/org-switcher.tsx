'use client';
// The organization switcher in the nav: "Personal" or one of my organizations. Choosing one calls
// client.orgs.activate (or deactivate): the client's access token is replaced by one carrying the
// organization's claims, in this tab and the others, and every page re-renders with it.
import { useEffect, useId, useRef } from 'react';
import { useAction } from './ui';
import { useLiftoff } from './liftoff-provider';

export function OrgSwitcher() {
  const { client, organization, organizations, reloadOrganizations } = useLiftoff();
  const { pending, error, run } = useAction();
  const id = useId();
  const known = organizations?.some((candidate) => candidate.id === organization?.id) ?? false;

  // Active but not in my list: joined in another tab, say. Read the list again, once per organization.
  const reloadedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!organization || !organizations || known || reloadedFor.current === organization.id) return;
    reloadedFor.current = organization.id;
    reloadOrganizations().catch(() => undefined);
  }, [organization, organizations, known, reloadOrganizations]);

  if (!organizations) return null;
  return (
    <div className="org-switcher">
      <label htmlFor={id}>Organization</label>
      <select
        id={id}
        value={organization?.id ?? ''}
        disabled={pending}
        aria-busy={pending}
        onChange={(event) => {
          const chosen = event.target.value;
          void run(async () => {
            if (chosen) await client.orgs.activate(chosen);
            else await client.orgs.deactivate();
          });
        }}
      >
        <option value="">Personal</option>
        {organizations.map((candidate) => (
          <option key={candidate.id} value={candidate.id}>
            {candidate.name}
          </option>
        ))}
        {organization && !known && <option value={organization.id}>Another organization</option>}
      </select>
      {error && (
        <span className="switcher-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
