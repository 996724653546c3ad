'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useState } from 'react';
import { errorMessage } from '@/lib/errors';
import { useLiftoff } from './liftoff-provider';
import { OrgSwitcher } from './org-switcher';

export function Nav() {
  const { client, apiUrl, user, ready, organization } = useLiftoff();
  const router = useRouter();
  const pathname = usePathname();
  const [error, setError] = useState<string | null>(null);
  const link = (href: string, label: string) => (
    <Link href={href} aria-current={pathname === href ? 'page' : undefined}>
      {label}
    </Link>
  );

  async function signOut() {
    setError(null);
    try {
      await client.auth.signOut();
      router.push('/');
    } catch (caught) {
      setError(errorMessage(caught));
    }
  }

  return (
    <header className="site-header">
      <nav aria-label="Main">
        <Link href="/" className="brand">
          Liftoff
        </Link>
        {link('/paid', 'Paid feature')}
        {link('/billing', 'Billing')}
        {user && link('/account', 'Account')}
        {user && link('/api-keys', 'API keys')}
        {user && link('/organizations', 'Organizations')}
        {user && organization && link('/members', 'Members')}
        {/* The admin dashboard is served by the API itself; the API checks the role again. */}
        {user?.role === 'admin' && <a href={`${apiUrl}/admin`}>Admin</a>}
        <span className="spacer" />
        {!ready ? null : user ? (
          // One group, which wraps to a line of its own on a narrow screen.
          <div className="nav-account">
            <OrgSwitcher />
            <span className="who" data-testid="who">
              {user.email}
            </span>
            <button type="button" className="link-button" onClick={signOut}>
              Sign out
            </button>
          </div>
        ) : (
          <>
            {link('/login', 'Sign in')}
            {link('/signup', 'Sign up')}
          </>
        )}
      </nav>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
    </header>
  );
}
