'use client';
// Two-step verification: whether an authenticator app is on (GET /api/me/2fa); setting one up (its
// otpauth:// URI drawn as a QR code right here in the browser, with `qrcode`, and the secret in
// text for typing in; then a code from the app turns it on and the API answers 10 recovery codes,
// shown once); new recovery codes; turning it off. The last two need a code or a recovery code.
import { isLiftoffError, type LiftoffClient, type SecondFactorInput, type SecondFactorStatus } from '@liftoff/client';
import Link from 'next/link';
import { toDataURL } from 'qrcode';
import { useCallback, useEffect, useState } from 'react';
import { SecondFactorFields, secondFactorInput } from '@/components/second-factor';
import { Alert, Field, formValues, SubmitButton, UsernameField, useAction } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';

const when = (iso: string) => new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });

/** A setup under way: the secret, and its otpauth:// URI as a QR code (a data: URL). */
interface Started {
  secret: string;
  qrCode: string;
}

/** What the card shows: the status, or one step of a change. */
type View =
  | { step: 'status' }
  // `started` is null while the API wants the password first.
  | { step: 'set-up'; started: Started | null }
  | { step: 'recovery-codes'; codes: string[] }
  | { step: 'turn-off' }
  | { step: 'new-codes' };

export function Security() {
  const { client } = useLiftoff();
  const [status, setStatus] = useState<SecondFactorStatus | null>(null);
  const [view, setView] = useState<View>({ step: 'status' });
  const [notice, setNotice] = useState<string | null>(null);
  const { pending, error, run } = useAction();

  const load = useCallback(async () => {
    setStatus(await client.twoFactor.status());
  }, [client]);
  // Once per mount (`load` changes only with the client).
  useEffect(() => {
    void run(load);
  }, [load]);

  /** Shows `next` (and `message` above it); after a change, with the status read again. */
  function show(next: View, message: string | null = null, changed = false) {
    setView(next);
    setNotice(message);
    if (changed) void run(load);
  }

  let body;
  if (status === null) body = !error && <p className="muted">Loading…</p>;
  else if (view.step === 'set-up') {
    body = (
      <SetUp
        started={view.started}
        onEnabled={(codes) => show({ step: 'recovery-codes', codes }, 'Your authenticator app is on.', true)}
        onCancel={() => show({ step: 'status' })}
      />
    );
  } else if (view.step === 'recovery-codes') {
    body = <RecoveryCodes codes={view.codes} onDone={() => show({ step: 'status' })} />;
  } else if (view.step === 'turn-off') {
    body = (
      <ConfirmWithCode
        title="Turn off the authenticator app"
        text="Signing in will ask for your password only. Your recovery codes stop working too."
        submit="Turn off"
        danger
        onConfirm={async (input) => {
          await client.twoFactor.disableTotp(input);
          show({ step: 'status' }, 'Your authenticator app is off.', true);
        }}
        onCancel={() => show({ step: 'status' })}
      />
    );
  } else if (view.step === 'new-codes') {
    body = (
      <ConfirmWithCode
        title="New recovery codes"
        text="You get 10 new codes; the ones you have now stop working."
        submit="Make new codes"
        onConfirm={async (input) => {
          const codes = await client.twoFactor.regenerateRecoveryCodes(input);
          show(
            { step: 'recovery-codes', codes },
            'Your new recovery codes are ready; the old ones no longer work.',
            true,
          );
        }}
        onCancel={() => show({ step: 'status' })}
      />
    );
  } else if (status.totp.enabled) {
    body = (
      <>
        <dl className="facts">
          <dt>Turned on</dt>
          <dd>{status.totp.enabled_at ? when(status.totp.enabled_at) : 'yes'}</dd>
          <dt>Recovery codes left</dt>
          <dd data-testid="recovery-codes-left">{status.recovery_codes_left}</dd>
        </dl>
        {status.recovery_codes_left <= 3 && (
          <Alert kind="info">
            {status.recovery_codes_left === 0
              ? 'You have no recovery codes left'
              : 'You are running out of recovery codes'}
            : make new ones, so that losing your phone does not lock you out.
          </Alert>
        )}
        <p className="actions">
          <button type="button" className="button-secondary" onClick={() => show({ step: 'new-codes' })}>
            New recovery codes
          </button>
          <button type="button" className="button-secondary" onClick={() => show({ step: 'turn-off' })}>
            Turn off
          </button>
        </p>
      </>
    );
  } else {
    body = (
      <>
        <p>
          With an authenticator app (Google Authenticator, 1Password, Authy…), signing in asks for the code it shows as
          well as your password, so a stolen password alone is not enough.
        </p>
        <button
          type="button"
          disabled={pending}
          onClick={() =>
            void run(async () => {
              // Without the password first: a sign-in in the last 10 minutes is enough.
              try {
                show({ step: 'set-up', started: await startSetUp(client) });
              } catch (caught) {
                if (!isLiftoffError(caught, 'STEP_UP_REQUIRED')) throw caught;
                show({ step: 'set-up', started: null });
              }
            })
          }
        >
          Set up an authenticator app
        </button>
      </>
    );
  }

  return (
    <>
      <p>
        <Link href="/account">Back to your account</Link>
      </p>
      <h1>Two-step verification</h1>
      <section className="card" aria-labelledby="app-title">
        <h2 id="app-title">
          Authenticator app{' '}
          {status && (
            <span className={`badge ${status.totp.enabled ? 'badge-ok' : 'badge-warn'}`} data-testid="totp-status">
              {status.totp.enabled ? 'on' : 'off'}
            </span>
          )}
        </h2>
        {error && <Alert>{error}</Alert>}
        {notice && <Alert kind="success">{notice}</Alert>}
        {body}
      </section>
    </>
  );
}

/** Starts setting up an app: a new secret (replacing one never confirmed), and its QR code. */
async function startSetUp(client: LiftoffClient, password?: string): Promise<Started> {
  const { secret, otpauthUri } = await client.twoFactor.startTotp(password === undefined ? {} : { password });
  // Drawn here, in the browser: the secret goes to no QR-code service.
  return { secret, qrCode: await toDataURL(otpauthUri, { margin: 1, width: 220 }) };
}

/**
 * Setting up: the password first when the API asked for it (STEP_UP_REQUIRED: the sign-in is more
 * than 10 minutes old), then the QR code and the secret, then a code from the app turns it on.
 */
function SetUp({
  started: startedWithoutPassword,
  onEnabled,
  onCancel,
}: {
  started: Started | null;
  onEnabled(codes: string[]): void;
  onCancel(): void;
}) {
  const { client, user } = useLiftoff();
  const { pending, error, run } = useAction();
  const [started, setStarted] = useState(startedWithoutPassword);

  if (started) {
    return (
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const input = secondFactorInput(event.currentTarget);
          void run(async () => {
            if ('code' in input) onEnabled(await client.twoFactor.confirmTotp(input.code));
          });
        }}
      >
        <h3>Scan this QR code with your authenticator app</h3>
        <img
          className="qr-code"
          src={started.qrCode}
          width={220}
          height={220}
          alt="QR code to scan with your authenticator app"
        />
        <p>
          Cannot scan it? Enter this key in the app instead:{' '}
          <code className="secret" data-testid="totp-secret">
            {started.secret.match(/.{1,4}/g)!.join(' ')}
          </code>
        </p>
        <p>Then enter the code the app shows, to check that it works and turn it on.</p>
        {error && <Alert>{error}</Alert>}
        <SecondFactorFields methods={['totp']} />
        <div className="actions">
          <SubmitButton pending={pending}>Turn on</SubmitButton>
          <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </button>
        </div>
      </form>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const { password } = formValues(event.currentTarget);
        void run(async () => setStarted(await startSetUp(client, password!)));
      }}
    >
      <h3>Confirm it is you</h3>
      <p className="muted">
        You signed in more than 10 minutes ago. No password (you sign in with a provider)? Sign out and sign in again,
        then set the app up.
      </p>
      {error && <Alert>{error}</Alert>}
      <UsernameField email={user!.email} />
      <Field label="Your password" name="password" type="password" autoComplete="current-password" required />
      <div className="actions">
        <SubmitButton pending={pending}>Continue</SubmitButton>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The recovery codes, shown once (the API keeps only their hashes). */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  function copy() {
    // The clipboard is there only on https:// (or localhost), and only for a focused page.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(codes.join('\n')))
      .then(
        () => setCopied(true),
        () => setCopied(false),
      );
  }
  return (
    <>
      <h3>Save your recovery codes</h3>
      <p>
        If you lose your phone, each of these codes signs you in once instead of a code from the app. This is the only
        time they are shown: keep them in your password manager, or print them.
      </p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      {copied === true && <Alert kind="success">Copied to the clipboard.</Alert>}
      {copied === false && <Alert>The browser would not copy them: select the codes and copy them yourself.</Alert>}
      <p className="actions">
        <button type="button" className="button-secondary" onClick={copy}>
          Copy the codes
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </>
  );
}

/** A form that asks for a code (or a recovery code) before a change. */
function ConfirmWithCode({
  title,
  text,
  submit,
  danger = false,
  onConfirm,
  onCancel,
}: {
  title: string;
  text: string;
  submit: string;
  danger?: boolean;
  onConfirm(input: SecondFactorInput): Promise<void>;
  onCancel(): void;
}) {
  const { pending, error, run } = useAction();
  return (
    <form
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault();
        const input = secondFactorInput(event.currentTarget);
        void run(() => onConfirm(input));
      }}
    >
      <h3>{title}</h3>
      <p>{text}</p>
      {error && <Alert>{error}</Alert>}
      <SecondFactorFields />
      <div className="actions">
        <SubmitButton pending={pending} className={danger ? 'button-danger' : undefined}>
          {submit}
        </SubmitButton>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>
          Cancel
        </button>
      </div>
    </form>
  );
}
