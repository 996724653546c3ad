import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { Organizations } from './organizations';

export const metadata: Metadata = { title: 'Organizations' };

export default function Page() {
  return (
    <RequireSignIn next="/organizations">
      <Organizations />
    </RequireSignIn>
  );
}
