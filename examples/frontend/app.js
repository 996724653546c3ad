// A minimal front end for Liftoff, built on @liftoff/client (client/): the access token lives in
// memory only, the refresh token is an HttpOnly cookie, and the client refreshes, retries and
// coordinates tabs by itself. In your own app: `import { createLiftoffClient } from '@liftoff/client'`;
// here examples/serve.mjs serves the package bundled as ./liftoff-client.js.
import { createLiftoffClient, isLiftoffError } from './liftoff-client.js';

const API = new URLSearchParams(location.search).get('api') ?? 'http://localhost:8787';
const liftoff = createLiftoffClient({ baseUrl: API });
// For the browser tests: the client this page uses.
globalThis.liftoff = liftoff;

const $ = (id) => document.getElementById(id);
const show = (label, value) => {
  $('output').textContent = `${label}\n${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}`;
};
liftoff.auth.onChange(({ user }) => {
  $('user').textContent = user?.email ?? 'nobody';
});

/** Runs a task; an API error shows its code, a network error (a CORS refusal is one) its name. */
async function guarded(label, task) {
  try {
    await task();
  } catch (error) {
    if (isLiftoffError(error)) show(`${label} → ${error.status} ${error.code}`, error.message);
    else show(`${label} failed`, `${error.name}: ${error.message}`);
  }
}

function credentials(form) {
  const data = new FormData(form);
  return { email: String(data.get('email')), password: String(data.get('password')) };
}

$('api').textContent = API;
$('origin').textContent = location.origin;
for (const provider of ['google', 'github', 'oidc']) {
  $(provider).href = liftoff.auth.oauthUrl(provider, '/');
}
$('register').addEventListener('submit', (event) => {
  event.preventDefault();
  guarded('sign up', async () =>
    show('/api/auth/register → 201', await liftoff.auth.signUp(credentials(event.target))),
  );
});
$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  guarded('log in', async () => show('/api/auth/login → 200', await liftoff.auth.signIn(credentials(event.target))));
});
$('me').addEventListener('click', () =>
  guarded('GET /api/me', async () => {
    const { data } = await liftoff.api.GET('/api/me');
    show('GET /api/me → 200', data);
  }),
);
$('refresh').addEventListener('click', () =>
  guarded('refresh', async () => {
    const user = await liftoff.auth.restore();
    show(`refresh → ${user ? 200 : 401}`, user ?? 'not signed in');
  }),
);
$('checkout').addEventListener('click', () =>
  guarded('checkout', async () => {
    const { data } = await liftoff.api.POST('/api/billing/checkout', { body: { price_id: 'price_basic' } });
    show('checkout → 200', data);
    $('output').dataset.checkoutUrl = data.url; // a real page would: location.href = data.url
  }),
);
$('logout').addEventListener('click', () =>
  guarded('logout', async () => {
    await liftoff.auth.signOut();
    show('logout → 204', '');
  }),
);

// On load, as after a reload or an OAuth redirect: the cookie gets us a fresh access token.
guarded('restore', async () => {
  const user = await liftoff.auth.restore();
  show('page loaded', user ? 'session restored from the refresh cookie' : 'not signed in');
});
