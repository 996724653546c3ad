// The signed-in state: the access token in memory, one refresh at a time for any number of calls
// (and, in a browser, for every tab of the site), and who is told when the user signs in or out.
import { errorFrom, isLiftoffError } from './errors';

/** What one tab tells the others (BroadcastChannel). */
type TabMessage = { type: 'token'; token: Token; user?: User } | { type: 'signed-out' };

/** What the client uses of BroadcastChannel and Web Locks, which not every runtime has. */
interface TabChannel {
  postMessage(message: TabMessage): void;
  addEventListener(type: 'message', listener: (event: { data: TabMessage }) => void): void;
  close(): void;
}
interface BrowserGlobals {
  BroadcastChannel?: new (name: string) => TabChannel;
  navigator?: { locks?: { request<T>(name: string, callback: () => Promise<T>): Promise<T> } };
}
const browser = globalThis as BrowserGlobals;

/**
 * `credentials: 'include'`, so a browser sends the refresh cookie across origins. Set outside the
 * literal: Workers' RequestInit type has no such field (the runtime accepts it).
 */
export function withCredentials(init: RequestInit): RequestInit {
  return Object.assign(init, { credentials: 'include' });
}

export interface User {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  role: 'user' | 'admin';
  created_at: string;
}

export interface AuthState {
  signedIn: boolean;
  user: User | null;
}

interface Token {
  value: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** A refresh answered with one of these means the session is over: the user is signed out. */
const SESSION_ENDED = ['REFRESH_TOKEN_MISSING', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED'] as const;

export interface SessionOptions {
  /** The API's origin, e.g. `https://api.example.com`. */
  baseUrl: string;
  fetch: typeof fetch;
  /** Refresh this long before the access token expires. */
  refreshMarginMs: number;
  /** Coordinate refreshes across the tabs of one browser (needs BroadcastChannel; Web Locks when present). */
  tabs: boolean;
  now: () => number;
}

export class Session {
  private token: Token | null = null;
  private user: User | null = null;
  private refreshing: Promise<Token | null> | null = null;
  private readonly listeners = new Set<(state: AuthState) => void>();
  private readonly channel: TabChannel | null;

  constructor(private readonly options: SessionOptions) {
    this.channel =
      options.tabs && browser.BroadcastChannel ? new browser.BroadcastChannel(`liftoff:${options.baseUrl}`) : null;
    this.channel?.addEventListener('message', (event) => {
      if (event.data.type === 'token') this.receivedToken(event.data.token, event.data.user);
      else this.setSignedOut(false);
    });
  }

  get state(): AuthState {
    return { signedIn: this.token !== null, user: this.user };
  }

  onChange(listener: (state: AuthState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a sign-in: the token and user it answered. */
  signedIn(accessToken: string, expiresInSeconds: number, user: User): void {
    this.token = { value: accessToken, expiresAt: this.options.now() + expiresInSeconds * 1000 };
    this.user = user;
    this.broadcast({ type: 'token', token: this.token, user });
    this.emit();
  }

  /** A token (and, after a sign-in, the user) from another tab: this tab is signed in too. */
  private receivedToken(token: Token, user: User | undefined): void {
    const changed = this.token === null || (user !== undefined && user.id !== this.user?.id);
    this.token = token;
    if (user) this.user = user;
    if (changed) this.emit();
  }

  setUser(user: User): void {
    this.user = user;
    this.emit();
  }

  /** Signed out (by the user, or because the session ended); `tellTabs` unless another tab told us. */
  setSignedOut(tellTabs = true): void {
    const wasSignedIn = this.token !== null || this.user !== null;
    this.token = null;
    this.user = null;
    if (tellTabs) this.broadcast({ type: 'signed-out' });
    if (wasSignedIn) this.emit();
  }

  /** The access token, refreshed first when it expires within the margin; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.token) return null;
    if (this.token.expiresAt - this.options.now() > this.options.refreshMarginMs) return this.token.value;
    return (await this.refresh())?.value ?? null;
  }

  /**
   * One refresh for every caller that asks while it runs. A refresh the API refuses as the end of
   * the session signs the user out; a network error or a 5xx does not (it is thrown).
   */
  refresh(): Promise<Token | null> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<Token | null> {
    const before = this.token;
    const run = async () => {
      // Another tab may have refreshed while this one waited for the lock: use its token.
      if (
        this.token &&
        this.token !== before &&
        this.token.expiresAt - this.options.now() > this.options.refreshMarginMs
      )
        return this.token;
      return this.callRefresh();
    };
    const locks = this.channel ? browser.navigator?.locks : undefined;
    return locks ? locks.request(`liftoff-refresh:${this.options.baseUrl}`, run) : run();
  }

  private async callRefresh(): Promise<Token | null> {
    const response = await this.options.fetch(
      new URL('/api/auth/refresh', this.options.baseUrl),
      withCredentials({ method: 'POST' }),
    );
    if (!response.ok) {
      const error = await errorFrom(response);
      if (isLiftoffError(error, ...SESSION_ENDED)) {
        this.setSignedOut();
        return null;
      }
      throw error;
    }
    const body = (await response.json()) as { access_token: string; expires_in: number };
    const wasSignedIn = this.token !== null;
    this.token = { value: body.access_token, expiresAt: this.options.now() + body.expires_in * 1000 };
    this.broadcast({ type: 'token', token: this.token });
    if (!wasSignedIn) this.emit();
    return this.token;
  }

  private broadcast(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  private emit(): void {
    const state = this.state;
    for (const listener of this.listeners) listener(state);
  }

  close(): void {
    this.channel?.close();
  }
}
