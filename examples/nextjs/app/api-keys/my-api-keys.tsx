'use client';
// The signed-in user's API keys (components/api-keys.tsx), and the way to the keys of the
// organizations they run, which belong to the organization and are on app/organizations/.
import Link from 'next/link';
import { ApiKeys } from '@/components/api-keys';
import { useLiftoff } from '@/components/liftoff-provider';
import { canManage } from '@/lib/orgs';

export function MyApiKeys() {
  const { organizations } = useLiftoff();
  const runsOne = organizations?.some((organization) => canManage(organization.role)) ?? false;
  return (
    <>
      <h1>API keys</h1>
      <ApiKeys title="Your API keys" />
      {runsOne && (
        <p className="muted">
          An organization’s keys belong to it, not to you (they keep working if you leave it): they are on{' '}
          <Link href="/organizations">Organizations</Link>, for the organization you act for.
        </p>
      )}
    </>
  );
}
