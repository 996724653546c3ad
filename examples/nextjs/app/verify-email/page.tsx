import type { Metadata } from 'next';
import { VerifyEmail } from './verify-email';

// next.config.ts sends Referrer-Policy: no-referrer with this page: its URL carries the token.
export const metadata: Metadata = { title: 'Verify your email', referrer: 'no-referrer' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { token } = await searchParams;
  return <VerifyEmail token={typeof token === 'string' ? token : ''} />;
}
