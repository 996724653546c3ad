'use client';
// One owner's API keys, the user's own (app/api-keys/) or an organization's (app/organizations/,
// for its admins and owners): make one (a name, its scopes, an optional last day), whose secret is
// shown this once with a copy button; the list (name, the key's first and last characters, scopes,
// when made and last used, status); revoke, after a confirmation. Making a key needs a recent
// sign-in: a STEP_UP_REQUIRED answer goes through useStepUp's prompt, then the key is made.
import type { ApiKey, ApiKeyScope, NewApiKey } from '@liftoff/client';
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { useStepUp } from '@/components/second-factor';
import { Alert, Field, SubmitButton, useAction, useClipboard } from '@/components/ui';
import { useLiftoff } from '@/components/liftoff-provider';
import { endOfDay, SCOPE_NAMES, SCOPES, today } from '@/lib/api-keys';
import { API_KEY_MESSAGES } from '@/lib/errors';

const when = (iso: string) => new Date(iso).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });

const STATUS_BADGES: Record<ApiKey['status'], string> = {
  active: 'badge-ok',
  revoked: 'badge-warn',
  expired: 'badge-warn',
};

/**
 * `orgId`: that organization's keys (its admins and owners; the API refuses others with
 * ORG_ROLE_REQUIRED); none: the signed-in user's. `title` heads the card.
 */
export function ApiKeys({ orgId, title }: { orgId?: string; title: string }) {
  const { client, user } = useLiftoff();
  const keys = useMemo(() => (orgId ? client.apiKeys.forOrg(orgId) : client.apiKeys), [client, orgId]);
  const [list, setList] = useState<ApiKey[] | null>(null);
  // The key just made, secret included: shown until "Done", a reload or the next key, never again.
  const [made, setMade] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const { pending, error, run } = useAction();
  const stepUp = useStepUp(run);
  const titleId = useId();

  const load = useCallback(async () => {
    setList(await keys.list());
  }, [keys]);
  // Once per owner (`load` changes with it).
  useEffect(() => {
    void run(load);
  }, [load]);

  function create(input: { name: string; scopes: ApiKeyScope[]; expires_at?: string }, form: HTMLFormElement) {
    setNotice(null);
    setMade(null);
    // A sign-in more than 10 minutes old (or one that has not proven the account's second factor)
    // answers STEP_UP_REQUIRED: the prompt asks for a factor, then this runs again.
    void stepUp.run(async () => {
      const key = await keys.create(input);
      form.reset();
      setMade(key);
      await load();
    }, API_KEY_MESSAGES);
  }

  function revoke(key: ApiKey) {
    setNotice(null);
    setRevoking(null);
    void run(async () => {
      await keys.revoke(key.id);
      // A revoked key's secret is no use to anyone: no reason to keep showing it.
      setMade((shown) => (shown?.id === key.id ? null : shown));
      await load();
      setNotice(`The key “${key.name}” is revoked: requests with it are refused from now on.`);
    });
  }

  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      <p>
        An API key lets a script or a server call the API {orgId ? 'for the organization' : 'as you'}, without a
        password: send it as <code>Authorization: Bearer &lt;key&gt;</code>. Give each one only the scopes it needs, and
        revoke it when it is no longer used or may have leaked.
      </p>
      {!user!.email_verified && (
        <Alert kind="info">Verify your email address first: API keys need a verified one.</Alert>
      )}
      {error && <Alert>{error}</Alert>}
      {notice && <Alert kind="success">{notice}</Alert>}
      {made && <NewKey made={made} onDone={() => setMade(null)} />}
      {list === null ? (
        !error && <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No API keys yet.</p>
      ) : (
        <ul className="rows" data-testid="api-keys">
          {list.map((key) => (
            <li key={key.id} data-status={key.status}>
              <div>
                <strong>{key.name}</strong>
                <span className={`badge ${STATUS_BADGES[key.status]}`}>{key.status}</span>
                <div>
                  <code>
                    {key.start}…{key.last4}
                  </code>{' '}
                  · {key.scopes.map((scope) => SCOPES[scope].label).join(', ')}
                </div>
                <div className="muted">
                  Created {when(key.created_at)} ·{' '}
                  {key.last_used_at ? `last used ${when(key.last_used_at)}` : 'never used'}
                  {key.status === 'revoked' && key.revoked_at && ` · revoked ${when(key.revoked_at)}`}
                  {key.status !== 'revoked' && key.expires_at && ` · expires ${when(key.expires_at)}`}
                </div>
              </div>
              {key.status === 'active' && (
                <div className="inline-form">
                  {revoking === key.id ? (
                    <>
                      <span>Revoke it? Whatever uses it stops working at once.</span>
                      <button type="button" className="button-danger" disabled={pending} onClick={() => revoke(key)}>
                        Yes, revoke
                      </button>
                      <button type="button" className="button-secondary" onClick={() => setRevoking(null)}>
                        Keep it
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      className="button-secondary"
                      aria-label={`Revoke ${key.name}`}
                      disabled={pending}
                      onClick={() => setRevoking(key.id)}
                    >
                      Revoke
                    </button>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      <CreateForm pending={pending} onCreate={create} />
      {stepUp.prompt}
    </section>
  );
}

/** The create form: a name, one or more scopes (checkboxes), an optional last day. */
function CreateForm({
  pending,
  onCreate,
}: {
  pending: boolean;
  onCreate(input: { name: string; scopes: ApiKeyScope[]; expires_at?: string }, form: HTMLFormElement): void;
}) {
  // The one rule the browser cannot check by itself: at least one box ticked.
  const [noScope, setNoScope] = useState(false);
  const legendId = useId();
  return (
    <form
      className="section-gap"
      aria-label="Create an API key"
      onSubmit={(event) => {
        event.preventDefault();
        const form = event.currentTarget;
        const data = new FormData(form);
        const scopes = data.getAll('scopes').map(String) as ApiKeyScope[];
        setNoScope(scopes.length === 0);
        if (scopes.length === 0) return;
        const expires = String(data.get('expires') ?? '');
        onCreate(
          { name: String(data.get('name')).trim(), scopes, ...(expires ? { expires_at: endOfDay(expires) } : {}) },
          form,
        );
      }}
    >
      <h3>Create an API key</h3>
      <Field
        label="Name"
        name="name"
        maxLength={100}
        autoComplete="off"
        required
        hint="What uses it, such as “Nightly export”: to tell your keys apart."
      />
      <fieldset className="scopes" aria-describedby={noScope ? `${legendId}-error` : undefined}>
        <legend id={legendId}>Scopes</legend>
        {SCOPE_NAMES.map((scope) => (
          // The label names the box; the hint describes it (read after the name, not part of it).
          <div key={scope} className="check">
            <input
              type="checkbox"
              id={`${legendId}-${scope}`}
              name="scopes"
              value={scope}
              defaultChecked={scope === 'read'}
              aria-describedby={`${legendId}-${scope}-hint`}
            />
            <label htmlFor={`${legendId}-${scope}`}>{SCOPES[scope].label}</label>
            <span className="muted" id={`${legendId}-${scope}-hint`}>
              {SCOPES[scope].hint}
            </span>
          </div>
        ))}
        {noScope && (
          <div id={`${legendId}-error`}>
            <Alert>Choose at least one scope.</Alert>
          </div>
        )}
      </fieldset>
      <Field
        label="Expires (optional)"
        name="expires"
        type="date"
        min={today()}
        hint="It stops working at the end of that day. Leave empty for a key that works until it is revoked."
      />
      <SubmitButton pending={pending}>Create API key</SubmitButton>
    </form>
  );
}

/** The key just made: its secret, this once, with a copy button. */
function NewKey({ made, onDone }: { made: NewApiKey; onDone(): void }) {
  const { copied, copy } = useClipboard();
  const titleId = useId();
  return (
    <div className="new-key" role="group" aria-labelledby={titleId}>
      <h3 id={titleId}>Your new key “{made.name}”</h3>
      <Alert kind="info">
        Copy it now and keep it somewhere safe (a password manager, your server’s secrets).{' '}
        <strong>You will not see it again:</strong> we keep only a fingerprint of it. Lost it? Revoke it and make
        another one.
      </Alert>
      <p>
        <code className="secret" data-testid="new-api-key">
          {made.key}
        </code>
      </p>
      {copied === true && <Alert kind="success">Copied to the clipboard.</Alert>}
      {copied === false && <Alert>The browser would not copy it: select the key and copy it yourself.</Alert>}
      <p className="actions">
        <button type="button" className="button-secondary" onClick={() => copy(made.key)}>
          Copy the key
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  );
}
