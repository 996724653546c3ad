import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { Security } from './security';

export const metadata: Metadata = { title: 'Passkeys and two-step verification' };

export default function Page() {
  return (
    <RequireSignIn next="/account/security">
      <Security />
    </RequireSignIn>
  );
}
