import type { Metadata } from 'next';
import { AcceptInvitation } from './accept-invitation';

// next.config.ts sends Referrer-Policy: no-referrer with this page: its URL carries the token.
export const metadata: Metadata = { title: 'Accept an invitation', referrer: 'no-referrer' };

// The link in the invitation email: APP_URL/invitations/accept?token=<id.secret>.
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { token } = await searchParams;
  return <AcceptInvitation token={typeof token === 'string' ? token : ''} />;
}
