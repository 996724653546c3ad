'use client';
// Small building blocks shared by the pages: a labelled field (input or drop-down), an alert, a
// submit button that is disabled while its form is being sent, a hook that runs an action and maps
// its error, whether the browser has passkeys, and a copy button's state.
import Link from 'next/link';
import { useEffect, useId, useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { errorMessage, type Messages } from '@/lib/errors';
import { useLiftoff } from './liftoff-provider';

export function Field({
  label,
  hint,
  ...input
}: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A labelled drop-down, as Field is a labelled input. */
export function SelectField({
  label,
  options,
  ...select
}: { label: string; options: readonly string[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * For a password form with no email field (change password, delete account, reset password): tells
 * password managers which account the password belongs to, and keeps Chrome from warning that the
 * form has no username field. Hidden and never sent (it has no name).
 */
export function UsernameField({ email }: { email: string }) {
  return <input type="email" autoComplete="username" value={email} readOnly hidden />;
}

/** An error is announced by screen readers as soon as it appears (role="alert"); a notice politely. */
export function Alert({ kind = 'error', children }: { kind?: 'error' | 'success' | 'info'; children: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function SubmitButton({
  pending,
  children,
  className,
}: {
  pending: boolean;
  children: ReactNode;
  className?: string;
}) {
  return (
    <button type="submit" disabled={pending} aria-busy={pending} className={className}>
      {pending ? 'Please wait…' : children}
    </button>
  );
}

/**
 * Runs one action at a time: `pending` while it runs, `error` (a sentence for the user) if it threw.
 * `messages` words some codes for this action (lib/errors.ts: PASSKEY_MESSAGES...).
 */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<void>, messages?: Messages) {
    setPending(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(errorMessage(caught, messages));
    } finally {
      setPending(false);
    }
  }
  return { pending, error, run };
}

/**
 * Whether this browser can use passkeys (WebAuthn, which needs https:// or localhost). null while
 * server rendering and until the page has mounted (so the first render matches the server's).
 */
export function usePasskeySupport(): boolean | null {
  const [supported, setSupported] = useState<boolean | null>(null);
  useEffect(() => setSupported(typeof window.PublicKeyCredential === 'function'), []);
  return supported;
}

/**
 * A copy button's state: `copy(text)` puts it on the clipboard; `copied` is then true, or false when
 * the browser refused (the clipboard is there only on https:// or localhost, and for a focused page).
 * null until the first copy.
 */
export function useClipboard() {
  const [copied, setCopied] = useState<boolean | null>(null);
  function copy(text: string) {
    // Through a promise: where navigator.clipboard is missing, the TypeError becomes a refusal too.
    Promise.resolve()
      .then(() => navigator.clipboard.writeText(text))
      .then(
        () => setCopied(true),
        () => setCopied(false),
      );
  }
  return { copied, copy };
}

/** Renders its children for a signed-in user only; otherwise a link to sign in and come back. */
export function RequireSignIn({ next, children }: { next: string; children: ReactNode }) {
  const { user, ready } = useLiftoff();
  if (!ready) return <p className="muted">Loading…</p>;
  if (!user) {
    return (
      <Alert kind="info">
        You need to sign in to see this page. <Link href={`/login?next=${encodeURIComponent(next)}`}>Sign in</Link>
      </Alert>
    );
  }
  return <>{children}</>;
}

/** The values of a submitted form, by input name. */
export function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form)].map(([name, value]) => [name, String(value)]));
}
