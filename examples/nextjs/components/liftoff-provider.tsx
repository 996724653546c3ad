'use client';
// One @liftoff/client for the whole browser tab, shared by every page through React context. The
// access token lives in this client's memory; on every full page load, restore() brings the session
// back from the API's HttpOnly refresh cookie.
import { createLiftoffClient, type LiftoffClient, type User } from '@liftoff/client';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

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
}

const LiftoffContext = createContext<Liftoff | null>(null);

export function LiftoffProvider({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  // Created once per tab. (Server rendering makes one too; it is never used there for calls.)
  const [client] = useState(() => createLiftoffClient({ baseUrl: apiUrl }));
  const [user, setUser] = useState<User | null>(client.auth.state.user);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    // Sign-ins and sign-outs in this tab or another one.
    const unsubscribe = client.auth.onChange((state) => setUser(state.user));
    client.auth
      .restore()
      .then(setUser)
      // The API could not be reached: the page shows the user as signed out, and a sign-in form says why.
      .catch(() => setUser(null))
      .finally(() => setReady(true));
    return unsubscribe;
  }, [client]);

  async function reloadUser() {
    const { data } = await client.api.GET('/api/me');
    const { subscription: _subscription, ...me } = data!;
    setUser(me);
  }

  return (
    <LiftoffContext.Provider value={{ client, apiUrl, user, ready, reloadUser }}>{children}</LiftoffContext.Provider>
  );
}

export function useLiftoff(): Liftoff {
  const liftoff = useContext(LiftoffContext);
  if (!liftoff) throw new Error('useLiftoff() needs a <LiftoffProvider> above it (see app/layout.tsx).');
  return liftoff;
}
