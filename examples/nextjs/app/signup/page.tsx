import type { Metadata } from 'next';
import { SignUpPage } from './signup-page';

export const metadata: Metadata = { title: 'Create an account' };

// `?next=/path`: where to go after signing up (a path of this site only, as on /login).
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { next } = await searchParams;
  return <SignUpPage next={typeof next === 'string' ? next : undefined} />;
}
