'use client';
// Passkeys and two-step verification. Passkeys (GET /api/me/passkeys): the list (name, synced or
// on this device only, when added and last used), "Add a passkey" (the browser creates one: a PIN,
// a fingerprint or the phone's lock), rename, remove (never the last way to sign in), and going
// passwordless once a passkey is there. An authenticator app: whether one is on (GET /api/me/2fa);
// setting one up (its otpauth:// URI drawn as a QR code right here in the browser, with `qrcode`,
// and the secret in text for typing in; then a code from the app turns it on and the API answers
// 10 recovery codes, shown once); new recovery codes; turning it off. The last two need a code or a
// recovery code. Changes the API wants a fresh proof for (STEP_UP_REQUIRED) go through useStepUp.
import { isLiftoffError, type LiftoffClient, type Passkey, type SecondFactorStatus } from '@liftoff/client';
import Link from 'next/link';
import { toDataURL } from 'qrcode';
import { useCallback, useEffect, useState } from 'react';
import { SecondFactorFields, secondFactorInput, useStepUp, type CodeInput } from '@/components/second-factor';
import {
  Alert,
  Field,
  formValues,
  SubmitButton,
  UsernameField,
  useAction,
  useClipboard,
  usePasskeySupport,
} from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { ADD_PASSKEY_MESSAGES, SETUP_MESSAGES, type Messages } from '@/lib/errors';

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
            }, SETUP_MESSAGES)
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
      <h1>Passkeys and two-step verification</h1>
      <Passkeys />
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

/** Synced (iCloud Keychain, Google Password Manager...) or bound to one device (a security key). */
function syncLabel(passkey: Passkey): { text: string; ok: boolean } {
  if (passkey.device_type === 'singleDevice') return { text: 'this device only', ok: false };
  return passkey.backed_up ? { text: 'synced', ok: true } : { text: 'not synced yet', ok: false };
}

/**
 * The passkeys: each with rename and remove, "Add a passkey", and "Remove my password" once a
 * passkey is there. A passkey signs in without a password, and counts as a second factor: signing in
 * with the password then asks for a passkey (or the app's code) too.
 */
function Passkeys() {
  const { client, user } = useLiftoff();
  const supported = usePasskeySupport();
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [hasPassword, setHasPassword] = useState<boolean | null>(null);
  // The row being renamed, or asked "remove it?" (by passkey id).
  const [renaming, setRenaming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { pending, error, run } = useAction();
  const stepUp = useStepUp(run);

  const load = useCallback(async () => {
    const [list, { data }] = await Promise.all([client.passkeys.list(), client.api.GET('/api/me/accounts')]);
    setPasskeys(list);
    setHasPassword(data!.has_password);
  }, [client]);
  // Once per mount (`load` changes only with the client).
  useEffect(() => {
    void run(load);
  }, [load]);

  /** A change (after a step-up if the API wants one), then the list again and `action`'s notice. */
  function change(action: () => Promise<string>, messages?: Messages) {
    setNotice(null);
    void stepUp.run(async () => {
      const message = await action();
      setRenaming(null);
      setRemoving(null);
      await load();
      setNotice(message);
    }, messages);
  }

  return (
    <section className="card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">
        Passkeys{' '}
        {passkeys && (
          <span className={`badge ${passkeys.length > 0 ? 'badge-ok' : 'badge-warn'}`} data-testid="passkey-count">
            {passkeys.length}
          </span>
        )}
      </h2>
      <p>
        A passkey signs you in with your fingerprint, face, PIN or security key instead of a password, and cannot be
        phished.
        {hasPassword !== false && ' Once you have one, signing in with your password asks for it too.'}
      </p>
      {!user!.email_verified && (
        <Alert kind="info">Verify your email address first: passkeys and authenticator apps need a verified one.</Alert>
      )}
      {error && <Alert>{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {passkeys === null ? (
        !error && <p className="muted">Loading…</p>
      ) : passkeys.length === 0 ? (
        <p className="muted">You have no passkey yet.</p>
      ) : (
        <ul className="rows" data-testid="passkeys">
          {passkeys.map((passkey) => {
            const sync = syncLabel(passkey);
            return (
              <li key={passkey.id}>
                {renaming === passkey.id ? (
                  <form
                    className="inline-form"
                    aria-label={`Rename ${passkey.name}`}
                    onSubmit={(event) => {
                      event.preventDefault();
                      const name = formValues(event.currentTarget).name!.trim();
                      change(async () => {
                        await client.passkeys.rename(passkey.id, name);
                        return `Renamed to “${name}”.`;
                      });
                    }}
                  >
                    <Field label="New name" name="name" defaultValue={passkey.name} maxLength={64} required autoFocus />
                    <SubmitButton pending={pending}>Save</SubmitButton>
                    <button type="button" className="button-secondary" onClick={() => setRenaming(null)}>
                      Cancel
                    </button>
                  </form>
                ) : (
                  <>
                    <div>
                      <strong>{passkey.name}</strong>
                      <span className={`badge ${sync.ok ? 'badge-ok' : 'badge-warn'}`}>{sync.text}</span>
                      <div className="muted">
                        Added {when(passkey.created_at)} ·{' '}
                        {passkey.last_used_at ? `last used ${when(passkey.last_used_at)}` : 'not used yet'}
                      </div>
                    </div>
                    <div className="inline-form">
                      {removing === passkey.id ? (
                        <>
                          <span>Remove it?</span>
                          <button
                            type="button"
                            className="button-danger"
                            disabled={pending}
                            onClick={() =>
                              // The question goes; a refusal (the last way to sign in) shows above the list.
                              change(async () => {
                                setRemoving(null);
                                await client.passkeys.remove(passkey.id);
                                return `The passkey “${passkey.name}” is removed.`;
                              })
                            }
                          >
                            Yes, remove
                          </button>
                          <button type="button" className="button-secondary" onClick={() => setRemoving(null)}>
                            Keep it
                          </button>
                        </>
                      ) : (
                        <>
                          <button
                            type="button"
                            className="button-secondary"
                            aria-label={`Rename ${passkey.name}`}
                            disabled={pending}
                            onClick={() => {
                              setRemoving(null);
                              setRenaming(passkey.id);
                            }}
                          >
                            Rename
                          </button>
                          <button
                            type="button"
                            className="button-secondary"
                            aria-label={`Remove ${passkey.name}`}
                            disabled={pending}
                            onClick={() => {
                              setRenaming(null);
                              setRemoving(passkey.id);
                            }}
                          >
                            Remove
                          </button>
                        </>
                      )}
                    </div>
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {supported === false ? (
        <Alert kind="info">This browser cannot create passkeys here (they need https:// or localhost).</Alert>
      ) : (
        <form
          aria-label="Add a passkey"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const name = formValues(form).name!.trim();
            change(async () => {
              // The browser asks where to keep it (this device, a phone, a security key) and for its PIN or fingerprint.
              const added = await client.passkeys.add(name ? { name } : {});
              form.reset();
              return `Your passkey “${added.name}” is added: sign in with it next time.`;
            }, ADD_PASSKEY_MESSAGES);
          }}
        >
          <Field
            label="Passkey name (optional)"
            name="name"
            maxLength={64}
            autoComplete="off"
            hint="To tell your passkeys apart, such as “Work laptop”."
          />
          <SubmitButton pending={pending}>Add a passkey</SubmitButton>
        </form>
      )}
      {hasPassword && passkeys !== null && passkeys.length > 0 && (
        <form
          className="section-gap"
          aria-labelledby="passwordless-title"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const { current_password } = formValues(form);
            change(async () => {
              await client.api.DELETE('/api/me/password', { body: { current_password: current_password! } });
              form.reset();
              return 'Your password is removed: sign in with a passkey from now on.';
            });
          }}
        >
          <h3 id="passwordless-title">Go passwordless</h3>
          <p>
            Remove your password and sign in with your passkeys only: a leaked or guessed password then gets no one in.
            Keep a second passkey (on another device) or a linked provider, in case you lose this one.
          </p>
          <UsernameField email={user!.email} />
          <Field
            label="Your current password"
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
          />
          <SubmitButton pending={pending} className="button-danger">
            Remove my password
          </SubmitButton>
        </form>
      )}
      {stepUp.prompt}
    </section>
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
        void run(async () => setStarted(await startSetUp(client, password!)), SETUP_MESSAGES);
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
  const { copied, copy } = useClipboard();
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
        <button type="button" className="button-secondary" onClick={() => copy(codes.join('\n'))}>
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
  onConfirm(input: CodeInput): Promise<void>;
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
