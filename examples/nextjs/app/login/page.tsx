import type { Metadata } from 'next';
import { LoginPage } from './login-page';

export const metadata: Metadata = { title: 'Sign in' };

// The API sends the user here with ?error=<code> when an OAuth sign-in fails.
export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { error, next } = await searchParams;
  return (
    <LoginPage
      oauthError={typeof error === 'string' ? error : null}
      next={typeof next === 'string' ? next : undefined}
    />
  );
}
