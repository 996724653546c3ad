'use client';
// The signed-in user's account: profile, email verification, password, two-step verification and
// passkeys (a link to app/account/security/), sessions, linked sign-in providers, a server-side
// token check, and deleting the account. The password change, unlinking and deletion ask for a code first when
// the API answers STEP_UP_REQUIRED (useStepUp).
import { LiftoffError, type components, type ErrorCode, type SecondFactorStatus } from '@liftoff/client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { useStepUp } from '@/components/second-factor';
import { Alert, Field, formValues, SubmitButton, UsernameField, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';

type Session = components['schemas']['Session'];
type LinkedAccount = components['schemas']['LinkedAccount'];

const when = (iso: string) => new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });

export function Account({ welcome }: { welcome: boolean }) {
  const { user } = useLiftoff();
  const [hasPassword, setHasPassword] = useState<boolean | null>(null);
  if (!user) return null;
  return (
    <>
      <h1>Your account</h1>
      {welcome && !user.email_verified && (
        <Alert kind="success">Welcome! We have sent a link to {user.email} to verify your address.</Alert>
      )}
      <Profile />
      {!user.email_verified && <Verification />}
      {hasPassword !== false && <ChangePassword />}
      <TwoStep />
      <Sessions />
      <LinkedAccounts onHasPassword={setHasPassword} />
      <ServerCheck />
      <DeleteAccount needsPassword={hasPassword !== false} />
    </>
  );
}

function Profile() {
  const { client, user, reloadUser } = useLiftoff();
  const { pending, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <dl className="facts">
        <dt>Email</dt>
        <dd data-testid="email">
          {user!.email}{' '}
          <span className={`badge ${user!.email_verified ? 'badge-ok' : 'badge-warn'}`}>
            {user!.email_verified ? 'verified' : 'not verified'}
          </span>
        </dd>
        <dt>Role</dt>
        <dd>{user!.role}</dd>
        <dt>Member since</dt>
        <dd>{when(user!.created_at)}</dd>
      </dl>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const { name } = formValues(event.currentTarget);
          setSaved(false);
          void run(async () => {
            await client.api.PATCH('/api/me', { body: { name: name!.trim() || null } });
            await reloadUser();
            setSaved(true);
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        {saved && <Alert kind="success">Your name has been saved.</Alert>}
        <Field label="Name" name="name" autoComplete="name" maxLength={100} defaultValue={user!.name ?? ''} />
        <SubmitButton pending={pending}>Save name</SubmitButton>
      </form>
    </section>
  );
}

function Verification() {
  const { client } = useLiftoff();
  const { pending, error, run } = useAction();
  const [sent, setSent] = useState(false);
  return (
    <section className="card" aria-labelledby="verify-title">
      <h2 id="verify-title">Verify your email</h2>
      <p>Open the link we emailed you to confirm your address. It works for 24 hours.</p>
      {error && <Alert>{error}</Alert>}
      {sent && <Alert kind="success">A new link is on its way.</Alert>}
      <button
        type="button"
        disabled={pending}
        onClick={() =>
          void run(async () => {
            await client.api.POST('/api/auth/verify-email/resend');
            setSent(true);
          })
        }
      >
        Send the link again
      </button>
    </section>
  );
}

function ChangePassword() {
  const { client, user } = useLiftoff();
  const { pending, error, run } = useAction();
  const stepUp = useStepUp(run);
  const [changed, setChanged] = useState(false);
  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Change password</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const { current_password, new_password } = formValues(form);
          setChanged(false);
          void stepUp.run(async () => {
            await client.api.POST('/api/auth/password/change', {
              body: { current_password: current_password!, new_password: new_password! },
            });
            form.reset();
            setChanged(true);
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        {changed && <Alert kind="success">Your password has been changed. Your other sessions were signed out.</Alert>}
        <UsernameField email={user!.email} />
        <Field
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          minLength={8}
          maxLength={128}
          required
        />
        <SubmitButton pending={pending}>Change password</SubmitButton>
      </form>
      {stepUp.prompt}
    </section>
  );
}

/** What signing in asks for besides the password; null without a second factor. */
function secondStepWords(totp: boolean, passkeys: number): string | null {
  if (totp && passkeys > 0) {
    return 'Signing in with your password also asks for a passkey, or a code from your authenticator app (or a recovery code).';
  }
  if (totp) return 'Signing in asks for a code from your authenticator app, or one of your recovery codes.';
  if (passkeys > 0) return 'Signing in with your password also asks for your passkey.';
  return null;
}

/** Whether a second factor is on (an authenticator app, passkeys), and the way to the page that manages them. */
function TwoStep() {
  const { client } = useLiftoff();
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [passkeys, setPasskeys] = useState<number | null>(null);
  const { error, run } = useAction();
  // Once per mount.
  useEffect(() => {
    void run(async () => {
      const [factors, list] = await Promise.all([client.twoFactor.status(), client.passkeys.list()]);
      setStatus(factors);
      setPasskeys(list.length);
    });
  }, [client]);
  const second = status && passkeys !== null ? secondStepWords(status.totp.enabled, passkeys) : null;
  return (
    <section className="card" aria-labelledby="two-step-title">
      <h2 id="two-step-title">
        Two-step verification{' '}
        {status && passkeys !== null && (
          <span className={`badge ${second ? 'badge-ok' : 'badge-warn'}`} data-testid="two-step-status">
            {second ? 'on' : 'off'}
          </span>
        )}
      </h2>
      {error && <Alert>{error}</Alert>}
      <p>
        {second ??
          'Add a passkey, or ask for a code from an authenticator app at every sign-in, so that a stolen password is not enough.'}
      </p>
      {passkeys !== null && passkeys > 0 && (
        <p className="muted">
          You have {passkeys === 1 ? 'a passkey' : `${passkeys} passkeys`}: sign in with {passkeys === 1 ? 'it' : 'one'}{' '}
          without a password.
        </p>
      )}
      <Link className="button button-secondary" href="/account/security">
        Manage two-step verification
      </Link>
    </section>
  );
}

function Sessions() {
  const { client } = useLiftoff();
  const router = useRouter();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const { pending, error, run } = useAction();

  const load = useCallback(async () => {
    const { data } = await client.api.GET('/api/auth/sessions');
    setSessions(data!.sessions);
  }, [client]);
  // Once per mount (`load` changes only with the client).
  useEffect(() => {
    void run(load);
  }, [load]);

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      {error && <Alert>{error}</Alert>}
      {sessions === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <ul className="rows" data-testid="sessions">
          {sessions.map((session) => (
            <li key={session.id} data-current={session.current}>
              <div>
                <strong>{session.user_agent ?? 'Unknown device'}</strong>
                {session.current && <span className="badge badge-ok">This browser</span>}
                <div className="muted">
                  Signed in {when(session.created_at)} · last active {when(session.last_used_at)}
                </div>
              </div>
              {!session.current && (
                <button
                  type="button"
                  className="button-secondary"
                  disabled={pending}
                  onClick={() =>
                    void run(async () => {
                      await client.api.DELETE('/api/auth/sessions/{id}', { params: { path: { id: session.id } } });
                      await load();
                    })
                  }
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="button-secondary"
        disabled={pending}
        onClick={() =>
          void run(async () => {
            await client.auth.signOutEverywhere();
            router.push('/login');
          })
        }
      >
        Sign out everywhere
      </button>
    </section>
  );
}

const PROVIDER_LABELS: Record<LinkedAccount['provider'], string> = {
  google: 'Google',
  github: 'GitHub',
  oidc: 'Single sign-on',
};

function LinkedAccounts({ onHasPassword }: { onHasPassword(value: boolean): void }) {
  const { client } = useLiftoff();
  const [accounts, setAccounts] = useState<LinkedAccount[] | null>(null);
  const { pending, error, run } = useAction();
  const stepUp = useStepUp(run);

  const load = useCallback(async () => {
    const { data } = await client.api.GET('/api/me/accounts');
    setAccounts(data!.accounts);
    onHasPassword(data!.has_password);
  }, [client, onHasPassword]);
  // Once per mount (`load` changes only with the client).
  useEffect(() => {
    void run(load);
  }, [load]);

  return (
    <section className="card" aria-labelledby="linked-title">
      <h2 id="linked-title">Sign-in providers</h2>
      {error && <Alert>{error}</Alert>}
      {accounts === null ? (
        <p className="muted">Loading…</p>
      ) : accounts.length === 0 ? (
        <p className="muted">
          No provider is linked. Signing in with a provider that confirms this email address links it.
        </p>
      ) : (
        <ul className="rows">
          {accounts.map((account) => (
            <li key={account.provider}>
              <div>
                <strong>{PROVIDER_LABELS[account.provider]}</strong> {account.email && <span>({account.email})</span>}
                <div className="muted">Last used {when(account.last_login_at)}</div>
              </div>
              <button
                type="button"
                className="button-secondary"
                disabled={pending}
                onClick={() =>
                  void stepUp.run(async () => {
                    await client.api.DELETE('/api/me/accounts/{provider}', {
                      params: { path: { provider: account.provider } },
                    });
                    await load();
                  })
                }
              >
                Unlink
              </button>
            </li>
          ))}
        </ul>
      )}
      {stepUp.prompt}
    </section>
  );
}

/**
 * Calls this app's own route handler (app/api/whoami/route.ts) with the access token: the Next.js
 * server checks it against the API's public keys, with no secret shared between the two.
 */
function ServerCheck() {
  const { client } = useLiftoff();
  const { pending, error, run } = useAction();
  const [claims, setClaims] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="server-title">
      <h2 id="server-title">Server-side check</h2>
      <p className="muted">
        This app&apos;s server verifies your access token with the API&apos;s public keys (JWKS) and shows what it
        trusts.
      </p>
      {error && <Alert>{error}</Alert>}
      <button
        type="button"
        className="button-secondary"
        disabled={pending}
        onClick={() =>
          void run(async () => {
            const token = await client.auth.getAccessToken();
            const response = await fetch('/api/whoami', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
            const body = (await response.json()) as { code?: ErrorCode; error?: string };
            // It answers failures as the API does ({error, code}): shown through the same mapping.
            if (!response.ok) throw new LiftoffError(response.status, body.code ?? 'INTERNAL_ERROR', body.error ?? '');
            setClaims(JSON.stringify(body, null, 2));
          })
        }
      >
        Ask this app&apos;s server who I am
      </button>
      {claims && (
        <pre className="code" data-testid="whoami">
          {claims}
        </pre>
      )}
    </section>
  );
}

function DeleteAccount({ needsPassword }: { needsPassword: boolean }) {
  const { client, user } = useLiftoff();
  const router = useRouter();
  const { pending, error, run } = useAction();
  const stepUp = useStepUp(run);
  return (
    <section className="card danger" aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>
        This deletes your account, sessions and linked providers, and cancels your subscription. It cannot be undone.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const { password } = formValues(event.currentTarget);
          void stepUp.run(async () => {
            // Without a password, the API accepts it only within 10 minutes of a provider sign-in.
            await client.api.DELETE('/api/me', { body: password ? { password } : {} });
            // The API ended the session and cleared the cookie; forget the user in every tab.
            await client.auth.signOut();
            router.push('/?deleted=1');
          });
        }}
      >
        {error && <Alert>{error}</Alert>}
        {needsPassword && <UsernameField email={user!.email} />}
        {needsPassword && (
          <Field
            label="Confirm with your password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
        )}
        <label className="check">
          <input type="checkbox" name="confirm" required /> I understand that this cannot be undone
        </label>
        <SubmitButton pending={pending} className="button-danger">
          Delete my account
        </SubmitButton>
      </form>
      {stepUp.prompt}
    </section>
  );
}
