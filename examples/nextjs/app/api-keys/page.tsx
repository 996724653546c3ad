import type { Metadata } from 'next';
import { RequireSignIn } from '@/components/ui';
import { MyApiKeys } from './my-api-keys';

export const metadata: Metadata = { title: 'API keys' };

export default function Page() {
  return (
    <RequireSignIn next="/api-keys">
      <MyApiKeys />
    </RequireSignIn>
  );
}
