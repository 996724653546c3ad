import type { Metadata } from 'next';
import { ResetPassword } from './reset-password';

// next.config.ts sends Referrer-Policy: no-referrer with this page: its URL carries the token.
export const metadata: Metadata = { title: 'Choose a new password', referrer: 'no-referrer' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { token } = await searchParams;
  return <ResetPassword token={typeof token === 'string' ? token : ''} />;
}
