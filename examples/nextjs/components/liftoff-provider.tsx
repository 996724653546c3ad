'use client';
// One @liftoff/client for the whole browser tab, shared by every page through React context. The
// access token lives in this client's memory; on every full page load, completeOAuth() brings the
// session back from the API's HttpOnly refresh cookie (as restore() does), or, after an OAuth
// sign-in of an account with a second factor (APP_URL/login#mfa_token=...), hands over the pending
// second step, which /login asks the code for. The active organization comes with the session: it
// is in the access token's claims (client.auth.state.organization), so it survives a reload too.
import {
  createLiftoffClient,
  isSecondFactorRequired,
  type ActiveOrganization,
  type LiftoffClient,
  type Organization,
  type SecondFactorRequired,
  type User,
} from '@liftoff/client';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';

interface Liftoff {
  client: LiftoffClient;
  /** The API's origin (for plain links to it, such as /admin). */
  apiUrl: string;
  /** null when signed out. */
  user: User | null;
  /** False until the first restore() has answered: until then, nobody knows whether the user is signed in. */
  ready: boolean;
  /** Reads /api/me again (after a change to the name or the email's verification). */
  reloadUser(): Promise<void>;
  /** The organization this session acts for (`orgs.activate`), with my role in it; null for personal. */
  organization: ActiveOrganization | null;
  /** My organizations (GET /api/orgs); null while loading or signed out. */
  organizations: Organization[] | null;
  /** Reads my organizations again (after creating, joining or leaving one). */
  reloadOrganizations(): Promise<void>;
  /**
   * An OAuth sign-in waiting for its second factor (the provider sent the browser back to
   * /login#mfa_token=...): /login asks for the code and calls its `verify()`. null otherwise.
   */
  pendingSecondFactor: SecondFactorRequired | null;
  /** Drops the pending second step (completed, or given up for another sign-in). */
  clearPendingSecondFactor(): void;
}

const LiftoffContext = createContext<Liftoff | null>(null);

export function LiftoffProvider({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  // Created once per tab. (Server rendering makes one too; it is never used there for calls.)
  const [client] = useState(() => createLiftoffClient({ baseUrl: apiUrl }));
  const [user, setUser] = useState<User | null>(client.auth.state.user);
  const [ready, setReady] = useState(false);
  const [organization, setOrganization] = useState<ActiveOrganization | null>(client.auth.state.organization);
  const [organizations, setOrganizations] = useState<Organization[] | null>(null);
  const [pendingSecondFactor, setPendingSecondFactor] = useState<SecondFactorRequired | null>(null);

  useEffect(() => {
    // Sign-ins and sign-outs, and organization switches, in this tab or another one. The client's
    // copy of the user is the one the session started with: after reloadUser() (a verified address,
    // a new name) the page's copy is newer, and an organization switch must not bring the old one back.
    const unsubscribe = client.auth.onChange((state) => {
      setUser((shown) => (state.user && shown?.id === state.user.id ? shown : state.user));
      setOrganization(state.organization);
    });
    // The same as restore(), except after an OAuth redirect that carries a second step in the URL's
    // fragment (the client removes it from the address bar at once).
    client.auth
      .completeOAuth()
      .then(setUser)
      .catch((error: unknown) => {
        if (isSecondFactorRequired(error)) setPendingSecondFactor(error);
        // Else the API could not be reached: the page shows the user as signed out, and a sign-in form says why.
        setUser(null);
      })
      .finally(() => setReady(true));
    return unsubscribe;
  }, [client]);

  const reloadOrganizations = useCallback(async () => {
    setOrganizations(await client.orgs.list());
  }, [client]);
  // Once per signed-in user; the switcher shows them.
  const userId = user?.id;
  useEffect(() => {
    setOrganizations(null);
    if (userId) reloadOrganizations().catch(() => setOrganizations([]));
  }, [userId, reloadOrganizations]);

  async function reloadUser() {
    const { data } = await client.api.GET('/api/me');
    const { subscription: _subscription, ...me } = data!;
    setUser(me);
  }

  const clearPendingSecondFactor = useCallback(() => setPendingSecondFactor(null), []);

  return (
    <LiftoffContext.Provider
      value={{
        client,
        apiUrl,
        user,
        ready,
        reloadUser,
        organization,
        organizations,
        reloadOrganizations,
        pendingSecondFactor,
        clearPendingSecondFactor,
      }}
    >
      {children}
    </LiftoffContext.Provider>
  );
}

export function useLiftoff(): Liftoff {
  const liftoff = useContext(LiftoffContext);
  if (!liftoff) throw new Error('useLiftoff() needs a <LiftoffProvider> above it (see app/layout.tsx).');
  return liftoff;
}
