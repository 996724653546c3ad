// A minimal front end for Liftoff, written the way the README tells front-end developers to:
// the access token lives in memory only; the refresh token is an HttpOnly cookie the browser sends
// because every call uses credentials: 'include'; on TOKEN_EXPIRED the page refreshes and retries.
const API = new URLSearchParams(location.search).get('api') ?? 'http://localhost:8787';
let accessToken = null;

const $ = (id) => document.getElementById(id);
const show = (label, value) => {
  $('output').textContent = `${label}\n${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}`;
};

async function refresh() {
  const response = await fetch(`${API}/api/auth/refresh`, { method: 'POST', credentials: 'include' });
  const body = await response.json();
  accessToken = response.ok ? body.access_token : null;
  return { ok: response.ok, body };
}

async function api(path, init = {}) {
  const call = () =>
    fetch(`${API}${path}`, {
      ...init,
      credentials: 'include',
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        ...(accessToken ? { Authorization: `Bearer ${accessToken}` } : {}),
      },
    });
  let response = await call();
  if (response.status === 401 && (await response.clone().json()).code === 'TOKEN_EXPIRED' && (await refresh()).ok) {
    response = await call();
  }
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

async function whoAmI() {
  const { status, body } = await api('/api/me');
  $('user').textContent = status === 200 ? body.email : 'nobody';
  return { status, body };
}

async function signIn(path, form) {
  const data = new FormData(form);
  const { status, body } = await api(path, {
    method: 'POST',
    body: JSON.stringify({ email: data.get('email'), password: data.get('password') }),
  });
  if (status < 300) {
    accessToken = body.access_token;
    $('user').textContent = body.user.email;
  }
  show(`${path} → ${status}`, body);
}

async function guarded(label, task) {
  try {
    await task();
  } catch (error) {
    // A CORS refusal surfaces as a network error: the browser hides the response entirely.
    show(`${label} failed`, `${error.name}: ${error.message}`);
  }
}

$('api').textContent = API;
$('origin').textContent = location.origin;
for (const provider of ['google', 'github', 'oidc']) {
  $(provider).href = `${API}/api/auth/oauth/${provider}?redirect_to=/`;
}
$('register').addEventListener('submit', (event) => {
  event.preventDefault();
  guarded('sign up', () => signIn('/api/auth/register', event.target));
});
$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  guarded('log in', () => signIn('/api/auth/login', event.target));
});
$('me').addEventListener('click', () =>
  guarded('me', async () => {
    const r = await whoAmI();
    show(`GET /api/me → ${r.status}`, r.body);
  }),
);
$('refresh').addEventListener('click', () =>
  guarded('refresh', async () => {
    const r = await refresh();
    show(`refresh → ${r.ok ? 200 : 401}`, r.body);
  }),
);
$('checkout').addEventListener('click', () =>
  guarded('checkout', async () => {
    const r = await api('/api/billing/checkout', { method: 'POST', body: JSON.stringify({ price_id: 'price_basic' }) });
    show(`checkout → ${r.status}`, r.body);
    if (r.status === 200) $('output').dataset.checkoutUrl = r.body.url; // a real page would: location.href = r.body.url
  }),
);
$('logout').addEventListener('click', () =>
  guarded('logout', async () => {
    await fetch(`${API}/api/auth/logout`, { method: 'POST', credentials: 'include' });
    accessToken = null;
    $('user').textContent = 'nobody';
    show('logout → 204', '');
  }),
);

// On load, as after a reload or an OAuth redirect: the cookie gets us a fresh access token.
guarded('restore', async () => {
  const { ok } = await refresh();
  if (ok) await whoAmI();
  show('page loaded', ok ? 'session restored from the refresh cookie' : 'not signed in');
});
