// Organization test helpers: a call to /api/orgs as a signed-in client (or nobody), with a JSON body.
import { bearer, type SignedInClient } from './auth';
import { call, callWithBindings } from './http';

export type OrgRole = 'owner' | 'admin' | 'member';

/** `settings` replaces bindings for this call (billing tests), as callWithBindings does. */
export function orgCall(
  client: SignedInClient | null,
  method: string,
  path: string,
  body?: unknown,
  settings?: Record<string, string>,
) {
  const init = {
    method,
    headers: {
      ...(client ? bearer(client.accessToken) : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
  return settings ? callWithBindings(settings, `/api/orgs${path}`, init) : call(`/api/orgs${path}`, init);
}
