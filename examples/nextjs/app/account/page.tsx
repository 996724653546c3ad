import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { Account } from './account';

export const metadata: Metadata = { title: 'Account' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { welcome } = await searchParams;
  return (
    <RequireSignIn next="/account">
      <Account welcome={welcome === '1'} />
    </RequireSignIn>
  );
}
