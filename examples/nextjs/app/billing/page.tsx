import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { Billing } from './billing';

export const metadata: Metadata = { title: 'Billing' };

export default function Page() {
  return (
    <RequireSignIn next="/billing">
      <Billing />
    </RequireSignIn>
  );
}
