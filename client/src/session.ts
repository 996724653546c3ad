// The signed-in state: the access token in memory, one refresh at a time for any number of calls
// (and, in a browser, for every tab of the site), and who is told when the user signs in or out.
import type { components } from './api.js';
import { errorFrom, isLiftoffError } from './errors.js';

/**
 * What one tab tells the others (BroadcastChannel). `switched`: the token of an organization switch
 * (activate, deactivate), which a refresh started before it must not replace.
 */
type TabMessage =
  { type: 'token'; token: Token; user?: User; startedAt: number; switched?: boolean } | { type: 'signed-out' };

/** What the client uses of BroadcastChannel and Web Locks, which not every runtime has. */
interface TabChannel {
  postMessage(message: TabMessage): void;
  addEventListener(type: 'message', listener: (event: { data: TabMessage }) => void): void;
  close(): void;
}
interface BrowserGlobals {
  BroadcastChannel?: new (name: string) => TabChannel;
  navigator?: {
    locks?: {
      request<T>(name: string, callback: () => Promise<T>): Promise<T>;
      request<T>(
        name: string,
        options: { ifAvailable: true },
        callback: (lock: object | null) => Promise<T>,
      ): Promise<T>;
    };
  };
}
const browser = globalThis as BrowserGlobals;

/**
 * `credentials: 'include'`, so a browser sends the refresh cookie across origins. Set outside the
 * literal: Workers' RequestInit type has no such field (the runtime accepts it).
 */
export function withCredentials(init: RequestInit): RequestInit {
  return Object.assign(init, { credentials: 'include' });
}

/** The signed-in user, as the API describes it. */
export type User = components['schemas']['User'];

/** A role in an organization. */
export type OrgRole = components['schemas']['OrgRole'];

/** The organization the session acts for: the access token's `org_id` and `org_role` claims. */
export interface ActiveOrganization {
  id: string;
  role: OrgRole;
}

export interface AuthState {
  signedIn: boolean;
  user: User | null;
  /** The active organization (POST /api/orgs/{id}/activate), from the access token; null for none. */
  organization: ActiveOrganization | null;
}

interface Token {
  value: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * The `org_id` and `org_role` claims of an access token, read without verifying it (the API does
 * that): what the app shows, never what it trusts.
 */
function organizationOf(token: Token | null): ActiveOrganization | null {
  try {
    const base64 = token!.value.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(base64)) as { org_id?: unknown; org_role?: unknown };
    return typeof claims.org_id === 'string' && typeof claims.org_role === 'string'
      ? { id: claims.org_id, role: claims.org_role as OrgRole }
      : null;
  } catch {
    return null; // no token, or not a JWT
  }
}

/** A refresh answered with one of these means the session is over: the user is signed out. */
const SESSION_ENDED = ['REFRESH_TOKEN_MISSING', 'REFRESH_TOKEN_INVALID', 'REFRESH_TOKEN_REUSED'] as const;
/** How long a tab waits for the token another tab is fetching before it refreshes itself. */
const OTHER_TAB_WAIT_MS = 5_000;
/** A refresh that hangs would hold every tab's calls: give up after this. */
const REFRESH_TIMEOUT_MS = 10_000;

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
  /** When this tab last signed out (its clock): a refresh or a token from before then is stale. */
  private signedOutAt = -Infinity;
  /** Sign-outs in this tab so far: a refresh that saw fewer is stale. */
  private signOuts = 0;
  /**
   * Organization switches (here or in another tab) so far, and when the last one's token arrived:
   * a refresh that saw fewer, or started before then, may carry the previous organization's claims.
   */
  private switches = 0;
  private switchedAt = -Infinity;
  /** Callers waiting for the token another tab is fetching. */
  private readonly tokenWaiters = new Set<(token: Token) => void>();
  private readonly listeners = new Set<(state: AuthState) => void>();
  private readonly channel: TabChannel | null;

  constructor(private readonly options: SessionOptions) {
    this.channel =
      options.tabs && browser.BroadcastChannel ? new browser.BroadcastChannel(`liftoff:${options.baseUrl}`) : null;
    this.channel?.addEventListener('message', (event) => {
      if (event.data.type === 'token') this.receivedToken(event.data);
      else this.setSignedOut(false);
    });
  }

  get state(): AuthState {
    return { signedIn: this.token !== null, user: this.user, organization: organizationOf(this.token) };
  }

  /** The token this tab holds, if it is not about to expire (no refresh). */
  get currentToken(): string | null {
    return this.token && this.fresh(this.token) ? this.token.value : null;
  }

  onChange(listener: (state: AuthState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a sign-in: the token and user it answered. */
  signedIn(accessToken: string, expiresInSeconds: number, user: User): void {
    const startedAt = this.options.now();
    this.token = { value: accessToken, expiresAt: startedAt + expiresInSeconds * 1000 };
    this.user = user;
    this.broadcast({ type: 'token', token: this.token, user, startedAt });
    this.emit();
  }

  /**
   * After POST /api/orgs/{id}/activate or /deactivate, or a step-up: the new token replaces this tab's
   * at once, and every other tab's (refreshes started earlier are ignored, here and there: see callRefresh).
   */
  replaceToken(accessToken: string, expiresInSeconds: number): void {
    // Signed out while the call was on its way: not signed in again by its answer.
    if (!this.token) return;
    const startedAt = this.options.now();
    const before = this.orgKey();
    this.token = { value: accessToken, expiresAt: startedAt + expiresInSeconds * 1000 };
    this.switches += 1;
    this.switchedAt = startedAt;
    this.broadcast({ type: 'token', token: this.token, startedAt, switched: true });
    if (this.orgKey() !== before) this.emit();
  }

  /**
   * A token (and, after a sign-in, the user) from another tab, unless it predates this tab's sign-out
   * or its last organization switch.
   */
  private receivedToken(message: Extract<TabMessage, { type: 'token' }>): void {
    if (message.startedAt <= this.signedOutAt || message.startedAt < this.switchedAt) return;
    if (message.switched) {
      this.switches += 1;
      this.switchedAt = message.startedAt;
    }
    const before = this.orgKey();
    const changed = this.token === null || (message.user !== undefined && message.user.id !== this.user?.id);
    this.token = message.token;
    if (message.user) this.user = message.user;
    for (const resolve of this.tokenWaiters) resolve(message.token);
    if (changed || this.orgKey() !== before) this.emit();
  }

  /** The active organization and role, as one comparable string. */
  private orgKey(): string {
    const organization = organizationOf(this.token);
    return organization ? `${organization.id} ${organization.role}` : '';
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
    this.signedOutAt = this.options.now();
    this.signOuts += 1;
    if (tellTabs) this.broadcast({ type: 'signed-out' });
    if (wasSignedIn) this.emit();
  }

  /** The access token, refreshed first when it expires within the margin; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (!this.token) return null;
    if (this.fresh(this.token)) return this.token.value;
    return (await this.refresh())?.value ?? null;
  }

  /**
   * One refresh for every caller that asks while it runs (and for every tab: see refreshOnce). A
   * refresh the API refuses as the end of the session signs the user out; a network error or a 5xx
   * does not (it is thrown). Listeners are not told (restore() tells them once it knows the user),
   * except of a new active organization or role once the user is known.
   */
  refresh(): Promise<Token | null> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private fresh(token: Token): boolean {
    return token.expiresAt - this.options.now() > this.options.refreshMarginMs;
  }

  /**
   * Across tabs: the tab that gets the lock refreshes and broadcasts the token; a tab that finds the
   * lock taken waits for that token (up to a few seconds) instead of refreshing again.
   */
  private async refreshOnce(): Promise<Token | null> {
    const locks = this.channel ? browser.navigator?.locks : undefined;
    if (!locks) return this.callRefresh();
    const name = `liftoff-refresh:${this.options.baseUrl}`;
    const mine = await locks.request(name, { ifAvailable: true }, async (lock) =>
      lock ? { token: await this.callRefresh() } : null,
    );
    if (mine) return mine.token;
    const theirs = await this.nextToken(OTHER_TAB_WAIT_MS);
    if (theirs) return theirs;
    // The other tab failed or closed: take the lock in turn, unless a token arrived meanwhile.
    return locks.request(name, async () => (this.token && this.fresh(this.token) ? this.token : this.callRefresh()));
  }

  private nextToken(timeoutMs: number): Promise<Token | null> {
    return new Promise((resolve) => {
      const done = (token: Token | null) => {
        clearTimeout(timer);
        this.tokenWaiters.delete(done);
        resolve(token);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.tokenWaiters.add(done);
    });
  }

  private async callRefresh(): Promise<Token | null> {
    const startedAt = this.options.now();
    const signOuts = this.signOuts;
    const switches = this.switches;
    const response = await this.options.fetch(
      new URL('/api/auth/refresh', this.options.baseUrl),
      withCredentials({ method: 'POST', signal: AbortSignal.timeout(REFRESH_TIMEOUT_MS) }),
    );
    // Signed out while this refresh was on its way: its answer is not ours to keep.
    if (signOuts !== this.signOuts) return null;
    if (!response.ok) {
      const error = await errorFrom(response);
      if (isLiftoffError(error, ...SESSION_ENDED)) {
        this.setSignedOut();
        return null;
      }
      throw error;
    }
    const body = (await response.json()) as { access_token: string; expires_in: number };
    if (signOuts !== this.signOuts) return null;
    // The organization was switched meanwhile: the switch's token is as new, and surely has its claims.
    if (switches !== this.switches) return this.token;
    const before = this.orgKey();
    this.token = { value: body.access_token, expiresAt: this.options.now() + body.expires_in * 1000 };
    this.broadcast({ type: 'token', token: this.token, startedAt });
    // The claims are read again at each refresh: a changed role, or a membership that ended, is told
    // (but not the first refresh of restore(), which tells once it knows the user).
    if (this.user && this.orgKey() !== before) this.emit();
    return this.token;
  }

  private broadcast(message: TabMessage): void {
    this.channel?.postMessage(message);
  }

  /** Tells every listener; one that throws does not stop the others (its error is reported apart). */
  private emit(): void {
    const state = this.state;
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  close(): void {
    this.channel?.close();
  }
}
