import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { Members } from './members';

export const metadata: Metadata = { title: 'Members' };

export default function Page() {
  return (
    <RequireSignIn next="/members">
      <Members />
    </RequireSignIn>
  );
}
