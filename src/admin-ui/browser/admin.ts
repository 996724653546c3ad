// The admin dashboard's browser code: access token in memory only, refresh through the cookie, DOM
// built with textContent (no HTML from data). Compiled to the script /admin/admin.js serves (see
// scripts/lib/browser-script.mjs); type-checked against the DOM by tsconfig.browser.json.

import type { Stats } from '../../db/admin-stats';

/** The fields this page reads from /api/me and /api/admin/* (README "Admin area"). */
interface Me {
  email: string;
  role: string;
}

interface AdminUser {
  id: string;
  email: string;
  name: string | null;
  role: string;
  email_verified: boolean;
  disabled: boolean;
  disabled_at: string | null;
  has_password: boolean;
  has_second_factor: boolean;
  created_at: string;
}

interface UserDetail {
  user: AdminUser;
  sessions: {
    auth_method: string;
    user_agent: string | null;
    ip_address: string | null;
    created_at: string;
    last_used_at: string;
  }[];
  linked_accounts: { provider: string; email: string | null }[];
  subscription: { status: string; price_id?: string | null };
  organizations: { id: string; name: string; slug: string; role: string }[];
}

interface AdminOrganization {
  id: string;
  name: string;
  slug: string;
  created_at: string;
  member_count: number;
  subscription_status: string;
}

interface OrganizationDetail {
  organization: { id: string; name: string; slug: string; created_by: string | null; created_at: string };
  member_count: number;
  members: { user_id: string; email: string; name: string | null; role: string; joined_at: string }[];
  invitations: { email: string; role: string; created_at: string; expires_at: string }[];
  subscription: { status: string; price_id?: string | null; current_period_end?: string | null };
  seats: { per_seat: boolean; members: number; billed: number | null; in_sync: boolean };
}

interface ApiKey {
  id: string;
  name: string;
  start: string;
  last4: string;
  scopes: string[];
  status: 'active' | 'revoked' | 'expired';
  expires_at: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

interface AuditEntry {
  user_id: string | null;
  actor_id: string | null;
  action: string;
  ip_address: string | null;
  metadata: unknown;
  created_at: string;
}

interface Page {
  next_cursor: string | null;
}

/** An element of the page shell (src/admin-ui/page.ts); `T` says which kind the id names there. */
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
let accessToken: string | null = null;
let usersCursor: string | null = null;
let auditCursor: string | null = null;
let orgsCursor: string | null = null;
let selected: UserDetail | null = null;
let selectedOrganization: string | null = null;

function status(message: string, isError = false) {
  $('status').textContent = message;
  $('status').className = isError ? 'error' : '';
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A text field of a form, '' when empty. */
const fieldOf = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

async function refresh() {
  const response = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'include' });
  if (!response.ok) {
    accessToken = null;
    return false;
  }
  accessToken = ((await response.json()) as { access_token: string }).access_token;
  return true;
}

/** The newest X-D1-Bookmark received: sent back, so a list read after a change shows the change. */
let bookmark: string | null = null;

/** Calls the API with the in-memory token, refreshing it once on TOKEN_EXPIRED. */
async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const call = async () => {
    const response = await fetch(path, {
      ...init,
      credentials: 'include',
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        ...(bookmark ? { 'X-D1-Bookmark': bookmark } : {}),
        Authorization: 'Bearer ' + accessToken,
      },
    });
    bookmark = response.headers.get('X-D1-Bookmark') ?? bookmark;
    return response;
  };
  let response = await call();
  if (response.status === 401) {
    const body = await response
      .clone()
      .json()
      .catch(() => ({}));
    if (body.code === 'TOKEN_EXPIRED' && (await refresh())) response = await call();
  }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok)
    throw new Error(body && body.error ? body.error + ' (' + body.code + ')' : 'HTTP ' + response.status);
  return body;
}

function cell(row: HTMLTableRowElement, text: string | null | undefined) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  row.appendChild(td);
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '');

/** Fills a <dl> with label/value pairs; each value carries its label in `data-<key>`. */
function fillFields(dl: HTMLElement, key: 'field' | 'orgField', fields: [string, string][]) {
  dl.replaceChildren();
  for (const [label, value] of fields) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    dd.dataset[key] = label;
    dl.append(dt, dd);
  }
}

/** A row that opens something on a click or Enter. */
function opens(row: HTMLTableRowElement, id: string, open: (id: string) => void) {
  row.dataset.id = id;
  row.tabIndex = 0;
  row.addEventListener('click', () => open(id));
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') open(id);
  });
}

async function showApp() {
  const me = await api<Me>('/api/me');
  $('who').textContent = me.email + ' (' + me.role + ')';
  $('logout').hidden = false;
  if (me.role !== 'admin') {
    $('signin').hidden = true;
    $('app').hidden = true;
    status('Signed in as ' + me.email + ', which is not an admin account.', true);
    return;
  }
  $('signin').hidden = true;
  $('app').hidden = false;
  status('');
  await Promise.all([loadStats(), loadUsers(true), loadOrganizations(true), loadAudit(true)]);
}

async function loadStats() {
  const stats = await api<Stats>('/api/admin/stats');
  const dl = $('stats');
  dl.replaceChildren();
  const rows: [string, number | string][] = [
    ['Users', stats.users],
    ['Verified', stats.verified],
    ['Disabled', stats.disabled],
    ['Admins', stats.admins],
    ['Sign-ups, 7 days', stats.signups_7d],
    ['Sign-ups, 30 days', stats.signups_30d],
    [
      'Active subscriptions',
      stats.active_subscriptions_by_price.map((p) => (p.price_id || '?') + ': ' + p.count).join(', ') || 'none',
    ],
    ['Failed payments, 30 days', stats.failed_payments_30d],
    ['Past due now', stats.past_due_subscriptions],
  ];
  for (const [label, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.stat = label;
    dl.append(dt, dd);
  }
}

async function loadUsers(reset: boolean) {
  const q = fieldOf(new FormData($<HTMLFormElement>('search-form')), 'q');
  const params = new URLSearchParams({ limit: '20' });
  if (q) params.set('q', q);
  if (!reset && usersCursor) params.set('cursor', usersCursor);
  const page = await api<Page & { users: AdminUser[] }>('/api/admin/users?' + params);
  const tbody = $<HTMLTableElement>('users').tBodies[0]!;
  if (reset) tbody.replaceChildren();
  for (const user of page.users) {
    const row = document.createElement('tr');
    row.dataset.id = user.id;
    row.tabIndex = 0;
    for (const value of [
      user.email,
      user.name,
      user.role,
      user.email_verified ? 'yes' : 'no',
      user.disabled ? 'disabled' : 'active',
      when(user.created_at),
    ])
      cell(row, value);
    row.addEventListener('click', () => showUser(user.id));
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') showUser(user.id);
    });
    tbody.appendChild(row);
  }
  usersCursor = page.next_cursor;
  $('more-users').hidden = !usersCursor;
}

function renderUser(detail: UserDetail) {
  selected = detail;
  const user = detail.user;
  $('detail').hidden = false;
  $('detail-title').textContent = 'User ' + user.email;
  fillFields($('detail-fields'), 'field', [
    ['Id', user.id],
    ['Name', user.name || ''],
    ['Role', user.role],
    ['Email verified', user.email_verified ? 'yes' : 'no'],
    ['Status', user.disabled ? 'disabled since ' + when(user.disabled_at) : 'active'],
    ['Password', user.has_password ? 'set' : 'none'],
    ['Second factor', user.has_second_factor ? 'on' : 'off'],
    ['Created', when(user.created_at)],
    [
      'Subscription',
      detail.subscription.status + (detail.subscription.price_id ? ' (' + detail.subscription.price_id + ')' : ''),
    ],
  ]);
  $('toggle-disabled').textContent = user.disabled ? 'Enable' : 'Disable';
  $('toggle-role').textContent = user.role === 'admin' ? 'Make user' : 'Make admin';
  $<HTMLButtonElement>('reset-second-factor').disabled = !user.has_second_factor;
  const sessions = $<HTMLTableElement>('detail-sessions').tBodies[0]!;
  sessions.replaceChildren();
  for (const session of detail.sessions) {
    const row = document.createElement('tr');
    for (const value of [
      when(session.created_at),
      when(session.last_used_at),
      session.auth_method,
      session.ip_address,
      session.user_agent,
    ])
      cell(row, value);
    sessions.appendChild(row);
  }
  const accounts = $('detail-accounts');
  accounts.replaceChildren();
  for (const account of detail.linked_accounts) {
    const li = document.createElement('li');
    li.textContent = account.provider + (account.email ? ' — ' + account.email : '');
    accounts.appendChild(li);
  }
  if (detail.linked_accounts.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'none';
    accounts.appendChild(li);
  }
  const organizations = $('detail-orgs');
  organizations.replaceChildren();
  for (const organization of detail.organizations) {
    const li = document.createElement('li');
    li.textContent = organization.name + ' (' + organization.slug + ') — ' + organization.role;
    organizations.appendChild(li);
  }
  if (detail.organizations.length === 0) {
    const li = document.createElement('li');
    li.textContent = 'none';
    organizations.appendChild(li);
  }
}

async function showUser(id: string) {
  try {
    const [detail, keys] = await Promise.all([
      api<UserDetail>('/api/admin/users/' + encodeURIComponent(id)),
      keysOf('users', id),
    ]);
    renderUser(detail);
    renderKeys('users', id, keys);
  } catch (error) {
    status(messageOf(error), true);
  }
}

/** One change to the selected user; the buttons are shown only once a user is selected. */
async function act(user: AdminUser, path: string, init: RequestInit, done: string) {
  try {
    renderUser(await api<UserDetail>('/api/admin/users/' + encodeURIComponent(user.id) + path, init));
    status(done);
    await Promise.all([loadStats(), loadUsers(true), loadAudit(true)]);
  } catch (error) {
    status(messageOf(error), true);
  }
}

async function loadOrganizations(reset: boolean) {
  const q = fieldOf(new FormData($<HTMLFormElement>('org-search-form')), 'q');
  const params = new URLSearchParams({ limit: '20' });
  if (q) params.set('q', q);
  if (!reset && orgsCursor) params.set('cursor', orgsCursor);
  const page = await api<Page & { organizations: AdminOrganization[] }>('/api/admin/orgs?' + params);
  const tbody = $<HTMLTableElement>('orgs').tBodies[0]!;
  if (reset) tbody.replaceChildren();
  for (const organization of page.organizations) {
    const row = document.createElement('tr');
    for (const value of [
      organization.name,
      organization.slug,
      String(organization.member_count),
      organization.subscription_status,
      when(organization.created_at),
    ])
      cell(row, value);
    opens(row, organization.id, showOrganization);
    tbody.appendChild(row);
  }
  orgsCursor = page.next_cursor;
  $('more-orgs').hidden = !orgsCursor;
}

function renderOrganization(detail: OrganizationDetail) {
  const { organization, subscription, seats } = detail;
  selectedOrganization = organization.id;
  $('org-detail').hidden = false;
  $('org-detail-title').textContent = 'Organization ' + organization.name;
  fillFields($('org-fields'), 'orgField', [
    ['Id', organization.id],
    ['Slug', organization.slug],
    ['Created', when(organization.created_at)],
    ['Created by', organization.created_by || ''],
    ['Members', String(detail.member_count)],
    [
      'Subscription',
      subscription.status +
        (subscription.price_id ? ' (' + subscription.price_id + ')' : '') +
        (subscription.current_period_end ? ', period ends ' + when(subscription.current_period_end) : ''),
    ],
    [
      'Seats',
      seats.per_seat
        ? seats.members + ' wanted, ' + (seats.billed ?? '?') + ' billed' + (seats.in_sync ? '' : ', not yet at Stripe')
        : 'not billed per seat',
    ],
  ]);
  const note = $('org-members-note');
  note.hidden = detail.member_count <= detail.members.length;
  note.textContent = 'The first ' + detail.members.length + ' of ' + detail.member_count + ', by join time.';
  const members = $<HTMLTableElement>('org-members').tBodies[0]!;
  members.replaceChildren();
  for (const member of detail.members) {
    const row = document.createElement('tr');
    for (const value of [member.email, member.name, member.role, when(member.joined_at)]) cell(row, value);
    opens(row, member.user_id, showUser);
    members.appendChild(row);
  }
  const invitations = $<HTMLTableElement>('org-invitations').tBodies[0]!;
  invitations.replaceChildren();
  for (const invitation of detail.invitations) {
    const row = document.createElement('tr');
    for (const value of [invitation.email, invitation.role, when(invitation.created_at), when(invitation.expires_at)])
      cell(row, value);
    invitations.appendChild(row);
  }
}

async function showOrganization(id: string) {
  try {
    const [detail, keys] = await Promise.all([
      api<OrganizationDetail>('/api/admin/orgs/' + encodeURIComponent(id)),
      keysOf('orgs', id),
    ]);
    renderOrganization(detail);
    renderKeys('orgs', id, keys);
  } catch (error) {
    status(messageOf(error), true);
  }
}

/** Whose API keys: a user's (shown in #detail) or an organization's (#org-detail). */
type KeyOwner = 'users' | 'orgs';

const keysOf = async (owner: KeyOwner, id: string) =>
  (await api<{ api_keys: ApiKey[] }>('/api/admin/' + owner + '/' + encodeURIComponent(id) + '/api-keys')).api_keys;

/** The id of the user or organization whose detail is on screen. */
const shown = (owner: KeyOwner) => (owner === 'users' ? (selected?.user.id ?? null) : selectedOrganization);

/** Fills the owner's key table: never the key itself, its start and last 4; a Revoke button on each live key. */
function renderKeys(owner: KeyOwner, ownerId: string, keys: ApiKey[]) {
  const tbody = $<HTMLTableElement>(owner === 'users' ? 'detail-keys' : 'org-keys').tBodies[0]!;
  tbody.replaceChildren();
  for (const key of keys) {
    const row = document.createElement('tr');
    row.dataset.keyId = key.id;
    for (const value of [
      key.name,
      key.start + '…' + key.last4,
      key.scopes.join(', '),
      key.status === 'revoked' && key.revoked_at ? 'revoked ' + when(key.revoked_at) : key.status,
      when(key.created_at),
      when(key.last_used_at) || 'never',
      when(key.expires_at) || 'never',
    ])
      cell(row, value);
    const actions = document.createElement('td');
    if (key.status === 'active') {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Revoke';
      button.setAttribute('aria-label', 'Revoke API key ' + key.name);
      button.addEventListener('click', () => revokeKey(owner, ownerId, key, button));
      actions.appendChild(button);
    }
    row.appendChild(actions);
    tbody.appendChild(row);
  }
}

/** Revokes a key once the admin confirms, then reads the owner's keys again (shown if still on screen). */
async function revokeKey(owner: KeyOwner, ownerId: string, key: ApiKey, button: HTMLButtonElement) {
  const hint = key.start + '…' + key.last4;
  if (!confirm('Revoke the API key "' + key.name + '" (' + hint + ')? Requests with it are refused from now on.'))
    return;
  button.disabled = true;
  try {
    await api<ApiKey>('/api/admin/api-keys/' + encodeURIComponent(key.id) + '/revoke', { method: 'POST' });
    status('API key ' + hint + ' revoked.');
    const [keys] = await Promise.all([keysOf(owner, ownerId), loadAudit(true)]);
    if (shown(owner) === ownerId) renderKeys(owner, ownerId, keys);
  } catch (error) {
    button.disabled = false;
    status(messageOf(error), true);
  }
}

async function loadAudit(reset: boolean) {
  const form = new FormData($<HTMLFormElement>('audit-form'));
  const params = new URLSearchParams({ limit: '25' });
  for (const key of ['user_id', 'action']) {
    const value = fieldOf(form, key);
    if (value) params.set(key, value);
  }
  if (!reset && auditCursor) params.set('cursor', auditCursor);
  const page = await api<Page & { entries: AuditEntry[] }>('/api/admin/audit?' + params);
  const tbody = $<HTMLTableElement>('audit').tBodies[0]!;
  if (reset) tbody.replaceChildren();
  for (const entry of page.entries) {
    const row = document.createElement('tr');
    for (const value of [
      when(entry.created_at),
      entry.action,
      entry.user_id,
      entry.actor_id,
      entry.ip_address,
      entry.metadata ? JSON.stringify(entry.metadata) : '',
    ])
      cell(row, value);
    tbody.appendChild(row);
  }
  auditCursor = page.next_cursor;
  $('more-audit').hidden = !auditCursor;
}

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    credentials: 'include',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
  });
  const body = await response.json();
  if (!response.ok) {
    status(body.error, true);
    return;
  }
  accessToken = body.access_token;
  try {
    await showApp();
  } catch (error) {
    status(messageOf(error), true);
  }
});
$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  loadUsers(true).catch((e) => status(messageOf(e), true));
});
$('org-search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  loadOrganizations(true).catch((e) => status(messageOf(e), true));
});
$('audit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  loadAudit(true).catch((e) => status(messageOf(e), true));
});
$('more-users').addEventListener('click', () => loadUsers(false).catch((e) => status(messageOf(e), true)));
$('more-orgs').addEventListener('click', () => loadOrganizations(false).catch((e) => status(messageOf(e), true)));
$('more-audit').addEventListener('click', () => loadAudit(false).catch((e) => status(messageOf(e), true)));
$('toggle-disabled').addEventListener('click', () => {
  if (selected) act(selected.user, selected.user.disabled ? '/enable' : '/disable', { method: 'POST' }, 'Saved.');
});
$('toggle-role').addEventListener('click', () => {
  if (!selected) return;
  const role = selected.user.role === 'admin' ? 'user' : 'admin';
  act(selected.user, '/role', { method: 'PATCH', body: JSON.stringify({ role }) }, 'Role changed.');
});
$('revoke-sessions').addEventListener('click', () => {
  if (selected) act(selected.user, '/revoke-sessions', { method: 'POST' }, 'Sessions revoked.');
});
$('reset-second-factor').addEventListener('click', () => {
  if (selected)
    act(selected.user, '/reset-second-factor', { method: 'POST' }, 'Second factors removed; the user was emailed.');
});
$('logout').addEventListener('click', async () => {
  await fetch('/api/auth/logout', { method: 'POST', credentials: 'include' });
  accessToken = null;
  location.reload();
});

// On load: a refresh cookie restores the session without asking for the password again.
(async () => {
  if (await refresh()) {
    try {
      await showApp();
      return;
    } catch (error) {
      status(messageOf(error), true);
    }
  }
  $('signin').hidden = false;
})();
