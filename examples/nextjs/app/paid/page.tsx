import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { PaidFeature } from './paid-feature';

export const metadata: Metadata = { title: 'Paid feature' };

export default function Page() {
  return (
    <RequireSignIn next="/paid">
      <PaidFeature />
    </RequireSignIn>
  );
}
