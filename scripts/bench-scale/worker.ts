// The Worker behind `npm run bench:scale` (scripts/bench-scale.ts): it runs the simulation's operations,
// in the order given, through Liftoff's own domain functions (the ones the routes and the cron job
// call) over a D1 binding that counts, per domain call, the round trips and statements it makes and
// their meta (rows_read, rows_written, duration); the cron job also gets the R2 bucket bound as
// AUDIT_ARCHIVE, so it archives audit entries as a default deployment does. It keeps each simulated
// user's credentials (the newest refresh token above all) between requests, and at the end records the
// D1 batch a refresh would send without running it (/capture-refreshes), for the driver to time it.
// Not part of Liftoff.
import { verifyAccessToken } from '../../src/auth/access-tokens';
import { loginWithPassword, registerAccount } from '../../src/auth/accounts';
import { verifyEmail } from '../../src/auth/email-verification';
import type { ProviderIdentity } from '../../src/auth/oauth/identity';
import { signInWithIdentity } from '../../src/auth/oauth/sign-in';
import { requestPasswordReset, resetPassword } from '../../src/auth/password-recovery';
import { logout, refreshSession } from '../../src/auth/sessions';
import { applyStripeEvent, checkStripeEventShape } from '../../src/billing/stripe-events';
import { loadConfig } from '../../src/config';
import { createDatabase, openAuditArchive } from '../../src/db/client';
import { recordOAuthStateUse } from '../../src/db/oauth-accounts';
import type { Deps } from '../../src/deps';
import { deliverEmails } from '../../src/email/outbox';
import type { EmailSender } from '../../src/email/senders';
import { AppError } from '../../src/errors';
import { randomToken, sha256Base64Url } from '../../src/lib/crypto';
import type { Logger } from '../../src/lib/log';
import { runScheduledJobs } from '../../src/scheduled';

/** What the driver asks for; `at` is the simulated time (ms), `user` the simulated user's number. */
export type Op =
  | { kind: 'signup'; at: number; user: number; oauth: boolean; verify: boolean }
  /** The first request of an active period: refresh the stored token, or sign in again if that fails. */
  | { kind: 'visit'; at: number; user: number }
  | { kind: 'refresh'; at: number; user: number }
  | { kind: 'logout'; at: number; user: number }
  /** Forgot password, the link used 5 minutes later, then a login with the new password. */
  | { kind: 'reset'; at: number; user: number }
  | { kind: 'stripe'; at: number; event: { type: string } }
  | { kind: 'cron'; at: number };

/** One domain call: [name, ok, round trips, statements, rows read, rows written, meta.duration ms]. */
export type CallRecord = [string, boolean, number, number, number, number, number];

export interface OpsResponse {
  records: CallRecord[];
  /** Liftoff's user id for each user signed up by these operations. */
  userIds: Record<number, string>;
}

type BenchEnv = Record<string, string> & { DB: D1Database; AUDIT_ARCHIVE: R2Bucket };

// Simulated time for the code that reads the clock itself (email delivery, the cron job, jose's
// expiry check), as the tests fake Date: every `new Date()` and `Date.now()` answer the operation's `at`.
const RealDate = Date;
let clock = RealDate.now();
class SimulatedDate extends RealDate {
  constructor(...args: unknown[]) {
    super(...((args.length === 0 ? [clock] : args) as [number]));
  }
  static override now() {
    return clock;
  }
}
globalThis.Date = SimulatedDate as unknown as DateConstructor;

// The counting D1 binding: every statement's meta is added to `tally`, which each domain call resets.
const emptyTally = () => ({ roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0, sqlMs: 0 });
let tally = emptyTally();
function count(results: D1Result[]) {
  tally.roundTrips++;
  for (const { meta } of results) {
    tally.statements++;
    tally.rowsRead += meta.rows_read;
    tally.rowsWritten += meta.rows_written;
    tally.sqlMs += meta.duration;
  }
}

/** A D1 round trip's statements, as the SQL and parameters sent. */
export type CapturedBatch = { sql: string; params: unknown[] }[];
/** While set, the next round trip is recorded here and not run: its caller gets CaptureDone. */
let capture: CapturedBatch[] | null = null;
class CaptureDone extends Error {}
function captured(statements: CountedStatement[]): never {
  capture!.push(statements.map((s) => ({ sql: s.query, params: s.params })));
  throw new CaptureDone();
}

/** D1's first() and raw() drop meta, so both run as all(); a SELECT's raw() rows still come from raw(). */
class CountedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    readonly query: string,
    readonly params: unknown[] = [],
  ) {}
  bind(...values: unknown[]) {
    return new CountedStatement(this.inner.bind(...values), this.query, values);
  }
  async run() {
    if (capture) captured([this]);
    const result = await this.inner.run();
    count([result]);
    return result;
  }
  async all() {
    if (capture) captured([this]);
    const result = await this.inner.all();
    count([result]);
    return result;
  }
  async first(column?: string) {
    const row = (await this.all()).results[0] as Record<string, unknown> | undefined;
    return row === undefined ? null : column === undefined ? row : row[column];
  }
  async raw(options?: { columnNames?: boolean }) {
    const { results } = await this.all();
    // A join's columns may share names, which all()'s objects merge: the rows of a read come from a
    // second, uncounted run. A write's RETURNING names one table's columns, so its objects are exact.
    if (/^\s*select\b/i.test(this.query)) return this.inner.raw(options as { columnNames: true });
    const rows = results.map((row) => Object.values(row as object));
    return options?.columnNames ? [Object.keys(results[0] ?? {}), ...rows] : rows;
  }
}

function countingD1(real: D1Database): D1Database {
  return {
    prepare: (query: string) => new CountedStatement(real.prepare(query), query),
    async batch(statements: CountedStatement[]) {
      if (capture) captured(statements);
      const results = await real.batch(statements.map((s) => s.inner));
      count(results);
      return results;
    },
    exec: (query: string) => real.exec(query),
    dump: () => real.dump(),
  } as unknown as D1Database;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

interface Account {
  email: string;
  password: string;
  ip: string;
  identity: ProviderIdentity | null;
  refreshToken: string | null;
}

/** The simulated users' credentials, kept between requests (Miniflare keeps one isolate). */
const accounts = new Map<number, Account>();
let lastEmailText = '';
/** Delivery as with Resend (bodies erased once sent), without the network; keeps the last text for its link. */
const sender: EmailSender = {
  keepsBody: false,
  async send(message) {
    lastEmailText = message.text;
  },
};
const linkToken = () => /token=([^\s&]+)/.exec(lastEmailText)?.[1] ?? '';

function context(env: BenchEnv) {
  const config = loadConfig(env);
  // Every binding as deployed (AUDIT_ARCHIVE included: the cron job archives), D1 counted.
  if (!openAuditArchive(env)) throw new Error('bench:scale needs an R2 bucket bound as AUDIT_ARCHIVE');
  const bindings = { ...env, DB: countingD1(env.DB) };
  const db = createDatabase(bindings);
  /** A request's Deps, as the router's depsFrom makes them, at simulated time `at`. */
  const depsAt = (at: number, account?: Account): Deps => {
    clock = at;
    return {
      db,
      replica: db,
      config,
      now: new Date(at),
      client: { ip: account?.ip ?? null, userAgent: 'bench-scale' },
      log: silent,
    };
  };
  return { config, bindings, db, depsAt };
}

async function runOps(env: BenchEnv, ops: Op[]): Promise<OpsResponse> {
  const { config, bindings, db, depsAt } = context(env);
  const records: CallRecord[] = [];
  const userIds: Record<number, string> = {};

  /** One domain call, counted under `name`; an AppError (a refused refresh, say) is a result, not a failure. */
  async function call<T>(name: string, run: () => Promise<T>): Promise<T | null> {
    tally = emptyTally();
    let ok = true;
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ok = false;
      return null;
    } finally {
      records.push([name, ok, tally.roundTrips, tally.statements, tally.rowsRead, tally.rowsWritten, tally.sqlMs]);
    }
  }
  const deliver = async (ids: string[] | undefined) => {
    if (ids?.length) await call('email delivery', () => deliverEmails({ db, log: silent, sender }, ids));
  };
  /** OAuth's callback: the used state is recorded, then the identity (already fetched) signs in or up. */
  const oauth = async (deps: Deps, identity: ProviderIdentity) => {
    await recordOAuthStateUse(db, await sha256Base64Url(randomToken(16)), deps.now);
    return signInWithIdentity(deps, 'google', identity);
  };

  async function signIn(at: number, account: Account) {
    const deps = depsAt(at, account);
    const identity = account.identity;
    if (identity) {
      const signedIn = await call('sign-in (OAuth)', () => oauth(deps, identity));
      account.refreshToken = signedIn && 'refreshToken' in signedIn ? signedIn.refreshToken : null;
    } else {
      const signedIn = await call('login (password)', () => loginWithPassword(deps, account));
      // The simulated accounts have no second factor: a login always starts a session.
      account.refreshToken = signedIn && 'tokens' in signedIn ? signedIn.tokens.refreshToken : null;
    }
  }

  /** False when the session has ended (expired, logged out, ended by a reset): the client signs in again. */
  async function refresh(at: number, account: Account): Promise<boolean> {
    const token = account.refreshToken;
    if (token === null) return false;
    const issued = await call('refresh', () => refreshSession(depsAt(at, account), token));
    account.refreshToken = issued ? (issued.refreshToken ?? token) : null;
    return issued !== null;
  }

  async function signUp(op: Extract<Op, { kind: 'signup' }>) {
    const email = `user${op.user}@bench.example.com`;
    const account: Account = {
      email,
      password: `bench-${randomToken(12)}`,
      ip: `10.${(op.user >> 16) & 255}.${(op.user >> 8) & 255}.${op.user & 255}`,
      identity: op.oauth ? { providerUserId: `g-${op.user}`, email, emailVerified: true, name: null } : null,
      refreshToken: null,
    };
    accounts.set(op.user, account);
    const deps = depsAt(op.at, account);
    const identity = account.identity;
    if (identity) {
      const created = await call('sign-up (OAuth)', () => oauth(deps, identity));
      if (!created) throw new Error(`OAuth sign-up of user ${op.user} refused`);
      account.refreshToken = 'refreshToken' in created ? created.refreshToken : null;
      userIds[op.user] = created.user.id;
      return;
    }
    const input = { email, password: account.password, name: null };
    const registered = await call('sign-up (register)', () => registerAccount(deps, input));
    if (!registered) throw new Error(`registration of user ${op.user} refused`);
    account.refreshToken = registered.tokens.refreshToken;
    userIds[op.user] = registered.user.id;
    await deliver(registered.outboxIds);
    if (op.verify) {
      // The link opened 10 minutes later in the signed-in browser (its access token still valid).
      const at = op.at + 10 * 60_000;
      const presenter = await verifyAccessToken(config, registered.tokens.accessToken);
      const token = linkToken();
      await call('email verification', () => verifyEmail(depsAt(at, account), token, presenter));
    }
  }

  async function passwordReset(at: number, account: Account) {
    const asked = await call('password reset request', () => requestPasswordReset(depsAt(at, account), account.email));
    await deliver(asked ?? []);
    const usedAt = at + 5 * 60_000;
    const input = { token: linkToken(), password: `bench-${randomToken(12)}` };
    const reset = await call('password reset', () => resetPassword(depsAt(usedAt, account), input));
    await deliver(reset ?? []);
    if (reset) account.password = input.password;
    account.refreshToken = null; // the reset ended every session
    await signIn(usedAt + 60_000, account);
  }

  for (const op of ops) {
    if (op.kind === 'cron') {
      depsAt(op.at);
      await call('scheduled job', () => runScheduledJobs(bindings as unknown as Env));
    } else if (op.kind === 'stripe') {
      const deps = depsAt(op.at);
      const event = checkStripeEventShape(op.event as Parameters<typeof checkStripeEventShape>[0]);
      const applied = await call(`webhook ${op.event.type}`, () => applyStripeEvent(deps, event));
      await deliver(applied?.outboxIds);
    } else if (op.kind === 'signup') {
      await signUp(op);
    } else {
      const account = accounts.get(op.user);
      if (!account) throw new Error(`user ${op.user} has not signed up`);
      if (op.kind === 'visit') {
        if (!(await refresh(op.at, account))) await signIn(op.at, account);
      } else if (op.kind === 'refresh') {
        await refresh(op.at, account);
      } else if (op.kind === 'logout') {
        const token = account.refreshToken;
        if (token !== null) await call('logout', () => logout(depsAt(op.at, account), [token]));
        account.refreshToken = null;
      } else {
        await passwordReset(op.at, account);
      }
    }
  }
  return { records, userIds };
}

/** The D1 round trip each of these users' refresh would make at `at`, recorded and not run. */
async function captureRefreshes(env: BenchEnv, at: number, users: number[]): Promise<CapturedBatch[]> {
  const { depsAt } = context(env);
  const batches: CapturedBatch[] = [];
  for (const user of users) {
    const account = accounts.get(user);
    if (!account?.refreshToken) continue;
    capture = batches;
    try {
      await refreshSession(depsAt(at, account), account.refreshToken);
    } catch (err) {
      if (!(err instanceof CaptureDone)) throw err;
    } finally {
      capture = null;
    }
  }
  return batches;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const body = (request.method === 'POST' ? await request.json() : {}) as {
      ops: Op[];
      at: number;
      users: number[];
      sql: string;
    };
    if (url.pathname === '/ops') return Response.json(await runOps(env, body.ops));
    if (url.pathname === '/capture-refreshes') return Response.json(await captureRefreshes(env, body.at, body.users));
    // Measurements (row counts, the schema), on the plain binding: not counted.
    if (url.pathname === '/sql') {
      try {
        return Response.json({ rows: (await env.DB.prepare(body.sql).all()).results });
      } catch (err) {
        return Response.json({ error: err instanceof Error ? err.message : String(err) });
      }
    }
    return new Response('not found', { status: 404 });
  },
} satisfies ExportedHandler<BenchEnv>;
