// `npm run bench:scale [-- --users N --days N --seed N]`: a storage and throughput model. Simulates a
// population over simulated days in a local D1 (Miniflare, migrated from ./migrations) through
// Liftoff's own domain functions, run in workerd by scripts/bench-scale/worker.ts, so it measures what
// the code does today, in the default deployment: with an R2 bucket bound as AUDIT_ARCHIVE (Miniflare's,
// in memory), as wrangler.toml binds it. Reports bytes per monthly active user per D1 table and in the
// archive, D1 work per operation, and projections (MAU per 10 GB database with and without the
// archive, refreshes per second per primary); writes bench-results/scale.json.
//
// The model (seeded, so a run is repeatable; every number below is an assumption, not a measurement):
// - Users sign up over the first SIGNUP_DAYS days: 30% through OAuth (Google, with an identity as the
//   provider would have returned it: signInWithIdentity, after recording the used OAuth state as the
//   callback does; the code exchange itself needs the provider and is skipped), the others with a
//   password (80% of them open the verification link). Four kinds of user: daily (active on 85% of
//   days), weekly (30%), occasional (5%) and "tried once" (active on the sign-up day only).
// - An active day is one device used for ACTIVE_MINUTES: its first request refreshes the stored refresh
//   token, or signs in again (password login or OAuth) when the session has ended (its refresh-token
//   lifetime, a logout, a reset), as a client does; then one refresh per access-token lifetime
//   (config.accessTokenTtl): 8 refreshes in all a day at 15 minutes. 2% of active
//   days end with a logout; 0.5% of a password user's active days begin with a password reset
//   (request, link used 5 minutes later, login with the new password).
// - Subscriptions: 25% of daily and 10% of weekly users subscribe 1-14 days after signing up. Stripe
//   sends the six events Liftoff's endpoint takes: checkout.session.completed, subscription created,
//   invoice.paid; every 30 days invoice.paid (5%: invoice.payment_failed, paid a day later) and
//   subscription updated; 5% of periods end in a cancellation (updated, then deleted at the period's
//   end). Events are applied as already verified (checkStripeEventShape + applyStripeEvent, what the
//   route does after the signature check), so the ledger stripe_events grows as in production.
// - The cron job (runScheduledJobs: email retries, deleteExpiredRows with the retention settings'
//   defaults, then the audit archive: entries older than AUDIT_ARCHIVE_AFTER_DAYS move to R2) runs
//   every simulated hour (production: every 5 minutes) and once more at the end. It archives whole
//   UTC days, up to 1,000 entries an object, so an object's size follows the population.
//   Emails are delivered as with Resend (bodies erased once sent), without the network.
// - A monthly active user (MAU) signed in or refreshed in the last 30 simulated days.
// - Storage is measured at the end: D1 per table (dbstat), and the archive (the sizes and count of the
//   objects R2 lists). A table is at steady state once the days after the sign-up ramp exceed its rows'
//   lifetime in D1 (sessions: the refresh-token TTL plus the day cleanup waits; audit_log:
//   AUDIT_ARCHIVE_AFTER_DAYS, 30). A table pruned by age and short of it (in runs too short) is
//   projected from its last 30 days' rows at today's bytes per row. Projected too, the same way: D1
//   without the archive (binding removed), audit_log at its full AUDIT_RETENTION_DAYS (a year), and
//   the archive at that retention (it keeps entries a year, longer than a default run).
// The Worker counts, per domain call, D1 round trips, statements and meta.rows_read/rows_written.
// Local D1's meta.duration is not usable (workerd's clock does not move during a synchronous SQLite
// call), so a refresh's SQLite time is measured by replaying its batch (captured at the end) with
// python3's sqlite3 module on the final database file, which is also where dbstat is read.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { parseConfig } from '../src/config';
import type { CapturedBatch, Op, OpsResponse } from './bench-scale/worker';
import { startLocalWorker } from './lib/local-worker';
import { generateSigningKeySet } from './lib/signing-keys.mjs';
import { withoutZodTranslations, workerBundleOptions } from './lib/worker-esbuild.mjs';

const { values: options } = parseArgs({
  options: {
    users: { type: 'string', default: '250' },
    days: { type: 'string', default: '120' },
    seed: { type: 'string', default: '1' },
  },
});
const USERS = Number(options.users);
const DAYS = Number(options.days);
const SEED = Number(options.seed);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5); // simulated day 0 (the Worker's clock follows the simulation)
const END = START + DAYS * DAY;
const SIGNUP_DAYS = 14;
const ACTIVE_MINUTES = 120;
const OAUTH_SHARE = 0.3;
const VERIFY_SHARE = 0.8;
const LOGOUT_P = 0.02;
const RESET_P = 0.005;
const FAILED_PAYMENT_P = 0.05;
const CANCEL_P = 0.05;
const KINDS = [
  { name: 'daily', share: 0.35, activeDayP: 0.85, subscribeP: 0.25 },
  { name: 'weekly', share: 0.35, activeDayP: 0.3, subscribeP: 0.1 },
  { name: 'occasional', share: 0.1, activeDayP: 0.05, subscribeP: 0 },
  { name: 'tried once', share: 0.2, activeDayP: 0, subscribeP: 0 },
];
/** Published, not measured: D1's maximum database size on Workers Paid (Cloudflare's D1 limits). */
const TEN_GB = 10e9;
const PUBLISHED_QUERIES_PER_SECOND = 1000; // D1 limits FAQ: single-threaded, "1 ms per query ~ 1,000 queries/s"
const REFRESH_SAMPLES = 400;
const OPS_PER_REQUEST = 2000;
/** Tables pruned by age (src/db/cleanup.ts, the audit archive) and the setting that keeps them in D1. */
const PRUNED_BY_AGE = {
  audit_log: { column: 'created_at', retention: 'auditArchiveAfterDays' },
  stripe_events: { column: 'received_at', retention: 'stripeEventRetentionDays' },
} as const;
const root = new URL('..', import.meta.url).pathname;

/** mulberry32: a small seeded generator, so the same flags simulate the same population. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const rng = random(SEED);
const stripeId = (prefix: string) => `${prefix}_${Math.floor(rng() * 2 ** 53).toString(36)}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface SimUser {
  n: number;
  kind: (typeof KINDS)[number];
  oauth: boolean;
  signupDay: number;
  subscribeDay: number | null;
  userId: string | null;
  lastActive: number;
}

function population(): SimUser[] {
  return Array.from({ length: USERS }, (_, n) => {
    let pick = rng();
    const kind = KINDS.find((k) => (pick -= k.share) < 0) ?? KINDS[0]!;
    const signupDay = Math.floor(rng() * SIGNUP_DAYS);
    const subscribes = rng() < kind.subscribeP;
    return {
      n,
      kind,
      oauth: rng() < OAUTH_SHARE,
      signupDay,
      subscribeDay: subscribes ? signupDay + 1 + Math.floor(rng() * 14) : null,
      userId: null,
      lastActive: -Infinity,
    };
  });
}

/** Stripe's events for one subscription, from checkout to the end of the simulation or its cancellation. */
function subscriptionEvents(userId: string, at: number): Op[] {
  const customer = stripeId('cus');
  const subscription = stripeId('sub');
  const events: Op[] = [];
  const send = (time: number, type: string, object: object) => {
    const event = { id: stripeId('evt'), object: 'event', created: Math.floor(time / 1000), type, data: { object } };
    events.push({ kind: 'stripe', at: time, event });
  };
  const state = (status: string, periodEnd: number, cancelAtPeriodEnd: boolean) => ({
    id: subscription,
    object: 'subscription',
    customer,
    status,
    cancel_at_period_end: cancelAtPeriodEnd,
    metadata: { user_id: userId },
    items: {
      object: 'list',
      data: [
        {
          id: stripeId('si'),
          object: 'subscription_item',
          current_period_end: Math.floor(periodEnd / 1000),
          price: { id: 'price_bench' },
        },
      ],
    },
  });
  const invoice = () => ({
    id: stripeId('in'),
    object: 'invoice',
    customer,
    parent: { subscription_details: { subscription } },
  });
  send(at, 'checkout.session.completed', {
    id: stripeId('cs'),
    object: 'checkout.session',
    customer,
    subscription,
    client_reference_id: userId,
    metadata: { user_id: userId },
  });
  send(at + 1000, 'customer.subscription.created', state('active', at + 30 * DAY, false));
  send(at + 2000, 'invoice.paid', invoice());
  for (let periodEnd = at + 30 * DAY; periodEnd < END; periodEnd += 30 * DAY) {
    if (rng() < CANCEL_P) {
      send(periodEnd - Math.floor(rng() * 29 * DAY), 'customer.subscription.updated', state('active', periodEnd, true));
      send(periodEnd, 'customer.subscription.deleted', state('canceled', periodEnd, true));
      break;
    }
    if (rng() < FAILED_PAYMENT_P) {
      send(periodEnd, 'invoice.payment_failed', invoice());
      send(periodEnd + DAY, 'invoice.paid', invoice());
    } else {
      send(periodEnd, 'invoice.paid', invoice());
    }
    send(periodEnd + 1000, 'customer.subscription.updated', state('active', periodEnd + 30 * DAY, false));
  }
  return events;
}

/** Per domain call: how many, and the sums of what they cost in D1. */
interface CallStats {
  calls: number;
  roundTrips: number;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  /** Calls for which local D1 reported meta.duration 0 ms in all. */
  zeroDuration: number;
}

type Post = <T>(path: string, body: unknown) => Promise<T>;
type Config = Exclude<ReturnType<typeof parseConfig>, Error>;

/** Day by day: the day's operations in time order, a few requests to the Worker. */
async function simulate(post: Post, config: Config, users: SimUser[], t0: number) {
  const refreshesPerActiveDay = Math.round((ACTIVE_MINUTES * 60) / config.accessTokenTtl);
  const stats = new Map<string, CallStats>();
  const run = async (ops: Op[]) => {
    ops.sort((a, b) => a.at - b.at);
    for (let i = 0; i < ops.length; i += OPS_PER_REQUEST) {
      const { records, userIds } = await post<OpsResponse>('/ops', { ops: ops.slice(i, i + OPS_PER_REQUEST) });
      for (const [name, ok, roundTrips, statements, rowsRead, rowsWritten, sqlMs] of records) {
        const key = ok ? name : `${name}, refused`;
        const s = stats.get(key) ?? {
          calls: 0,
          roundTrips: 0,
          statements: 0,
          rowsRead: 0,
          rowsWritten: 0,
          zeroDuration: 0,
        };
        stats.set(key, s);
        s.calls++;
        s.roundTrips += roundTrips;
        s.statements += statements;
        s.rowsRead += rowsRead;
        s.rowsWritten += rowsWritten;
        if (sqlMs === 0) s.zeroDuration++;
      }
      for (const [n, id] of Object.entries(userIds)) users[Number(n)]!.userId = id;
    }
  };

  const stripeByDay = new Map<number, Op[]>();
  for (let day = 0; day < DAYS; day++) {
    const dayStart = START + day * DAY;
    const ops: Op[] = Array.from({ length: 24 }, (_, h) => ({ kind: 'cron' as const, at: dayStart + h * HOUR }));
    for (const u of users) {
      if (u.subscribeDay === day && u.userId) {
        for (const event of subscriptionEvents(u.userId, dayStart + Math.floor(rng() * DAY))) {
          const eventDay = Math.floor((event.at - START) / DAY);
          stripeByDay.set(eventDay, [...(stripeByDay.get(eventDay) ?? []), event]);
        }
      }
      const signsUp = u.signupDay === day;
      if (day < u.signupDay || (!signsUp && !(rng() < u.kind.activeDayP))) continue;
      // The active period starts at a random time and ends before 23:00.
      const at = dayStart + Math.floor(rng() * (DAY - ACTIVE_MINUTES * 60_000 - HOUR));
      const user = u.n;
      if (signsUp) ops.push({ kind: 'signup', at, user, oauth: u.oauth, verify: rng() < VERIFY_SHARE });
      else if (!u.oauth && rng() < RESET_P) ops.push({ kind: 'reset', at, user });
      else ops.push({ kind: 'visit', at, user });
      for (let k = 1; k < refreshesPerActiveDay; k++) {
        ops.push({ kind: 'refresh', at: at + k * config.accessTokenTtl * 1000, user });
      }
      if (rng() < LOGOUT_P) ops.push({ kind: 'logout', at: at + ACTIVE_MINUTES * 60_000, user });
      u.lastActive = at;
    }
    await run([...ops, ...(stripeByDay.get(day) ?? [])]);
    if ((day + 1) % 20 === 0 || day === DAYS - 1) {
      console.log(`  simulated day ${day + 1} of ${DAYS} after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
  }
  await run([{ kind: 'cron', at: END }]);
  return { stats, refreshesPerActiveDay };
}

/** The D1 file Miniflare persisted under `dir` (its only .sqlite file). */
function sqliteFile(dir: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory() ? sqliteFile(path) : entry.name.endsWith('.sqlite') ? path : null;
    if (found) return found;
  }
  return null;
}

interface FileMeasures {
  sqliteVersion: string;
  /** Per table or index: its pages' bytes, and the bytes those pages hold (cells and headers). */
  pages: { name: string; bytes: number; usedBytes: number }[];
  pragmas: { page_size: number; page_count: number; freelist_count: number };
  batchMs: number[];
}

/** Builds and starts the Worker on a fresh migrated D1, simulates, and measures what is left. */
async function runAndMeasure(config: Config, bindings: Record<string, string>, users: SimUser[], t0: number) {
  const workDir = mkdtempSync(join(tmpdir(), 'liftoff-bench-scale-'));
  const persistDir = join(workDir, 'd1');
  try {
    await esbuild.build({
      ...workerBundleOptions,
      minify: false,
      absWorkingDir: root,
      entryPoints: { index: 'scripts/bench-scale/worker.ts' },
      outdir: workDir,
      plugins: [withoutZodTranslations],
    });
    const { mf } = await startLocalWorker(workDir, bindings, { persistDir, r2Buckets: ['AUDIT_ARCHIVE'] });
    const post: Post = async <T>(path: string, body: unknown) => {
      const response = await mf.dispatchFetch(`http://bench.localhost${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const sql = async <T>(query: string) => {
      const answer = await post<{ rows?: T[]; error?: string }>('/sql', { sql: query });
      if (answer.error !== undefined) throw new Error(answer.error);
      return answer.rows!;
    };
    const count = async (query: string) => (await sql<{ n: number }>(query))[0]!.n;
    try {
      const { stats, refreshesPerActiveDay } = await simulate(post, config, users, t0);
      const dbstatThroughBinding = await sql('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').then(
        () => 'works',
        (err: Error) => `refused: ${err.message}`,
      );
      const schema = await sql<{ type: string; name: string; tbl_name: string }>(
        "SELECT type, name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')",
      );
      const tables = schema
        .filter((s) => s.type === 'table' && !s.name.startsWith('sqlite_') && !s.name.startsWith('_cf_'))
        .map((s) => s.name);
      const rows: Record<string, number> = {};
      for (const table of tables) rows[table] = await count(`SELECT COUNT(*) AS n FROM ${table}`);
      const lastMonthRows: Record<string, number> = {};
      for (const [table, { column }] of Object.entries(PRUNED_BY_AGE)) {
        lastMonthRows[table] = await count(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} >= ${END - 30 * DAY}`);
      }
      // The archive as R2 lists it: objects, their bytes, and the entries they hold (customMetadata).
      const archive = { objects: 0, bytes: 0, entries: 0 };
      const bucket = await mf.getR2Bucket('AUDIT_ARCHIVE');
      let cursor: string | undefined;
      do {
        const listing = await bucket.list({ include: ['customMetadata'], cursor });
        for (const object of listing.objects) {
          archive.objects++;
          archive.bytes += object.size;
          archive.entries += Number(object.customMetadata?.entries);
        }
        cursor = listing.truncated ? listing.cursor : undefined;
      } while (cursor);
      // The D1 batch of a refresh at the end, for users active on the last day (live sessions): recorded, not run.
      const recent = users.filter((u) => u.lastActive >= END - DAY).map((u) => u.n);
      const batches = await post<CapturedBatch[]>('/capture-refreshes', {
        at: END,
        users: recent.slice(0, REFRESH_SAMPLES),
      });
      await mf.dispose(); // workerd is gone: the file is whole, and nobody else writes it

      const database = sqliteFile(persistDir);
      if (!database) throw new Error(`no .sqlite file under ${persistDir}`);
      const batchesFile = join(workDir, 'refresh-batches.json');
      writeFileSync(batchesFile, JSON.stringify(batches));
      const measure = join(root, 'scripts/bench-scale/measure.py');
      const file = JSON.parse(
        execFileSync('python3', [measure, database, batchesFile], { encoding: 'utf8', maxBuffer: 64 << 20 }),
      ) as FileMeasures;
      return {
        stats,
        refreshesPerActiveDay,
        dbstatThroughBinding,
        schema,
        tables,
        rows,
        lastMonthRows,
        archive,
        batches,
        file,
      };
    } finally {
      await mf.dispose().catch(() => {});
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function buildReport(
  config: Config,
  users: SimUser[],
  m: Awaited<ReturnType<typeof runAndMeasure>>,
  runSeconds: number,
) {
  const mau = users.filter((u) => u.lastActive >= END - 30 * DAY).length;
  const tableOf = new Map(m.schema.map((s) => [s.name, s.tbl_name]));
  const bytesOf = (names: (name: string) => boolean, key: 'bytes' | 'usedBytes' = 'bytes') =>
    m.file.pages.filter((p) => names(p.name)).reduce((sum, p) => sum + p[key], 0);
  const rampedDays = DAYS - SIGNUP_DAYS;
  const lifetimeDays: Record<string, number | null> = {
    // null: rows per user or per subscription, which do not accumulate with time.
    users: null,
    oauth_accounts: null,
    subscriptions: null,
    role_pins: null,
    sessions: config.refreshTokenTtl / 86_400 + 1,
    refresh_tokens: config.refreshTokenTtl / 86_400 + 1,
    account_tokens: 2,
    email_outbox: 30,
    rate_limit_hits: 1,
    oauth_state_uses: 1,
    audit_log: config.auditArchiveAfterDays, // then in the archive
    stripe_events: config.stripeEventRetentionDays + 14, // + up to 14 days before subscribing
  };
  const pageSize = m.file.pragmas.page_size;
  const tables = m.tables
    .map((table) => {
      const dataBytes = bytesOf((name) => name === table);
      const indexBytes = bytesOf((name) => name !== table && tableOf.get(name) === table);
      const usedBytes = bytesOf((name) => tableOf.get(name) === table, 'usedBytes');
      // What the rows added: an empty table or index is one page (the migrated, empty schema).
      const btrees = m.schema.filter((s) => s.tbl_name === table).length;
      const bytes = dataBytes + indexBytes - btrees * pageSize;
      const rows = m.rows[table]!;
      const lifetime = lifetimeDays[table];
      const steady = lifetime === undefined ? null : lifetime === null || rampedDays >= lifetime;
      const pruned = PRUNED_BY_AGE[table as keyof typeof PRUNED_BY_AGE];
      // Short of its retention: the last 30 days' rows kept for the whole retention, at today's bytes per row.
      const retentionDays = pruned ? config[pruned.retention] : 0;
      const projectedRows = (m.lastMonthRows[table]! / 30) * retentionDays;
      const projected = steady === false && pruned && rows > 0;
      return {
        table,
        rows,
        rowsPerMau: rows / mau,
        dataBytes,
        indexBytes,
        bytesPerMau: bytes / mau,
        usedBytesPerMau: usedBytes / mau,
        steady,
        projectedRowsPerMau: projected ? projectedRows / mau : null,
        projectedBytesPerMau: projected ? (projectedRows * bytes) / rows / mau : null,
      };
    })
    .sort((a, b) => b.bytesPerMau - a.bytesPerMau);
  const appBytes = tables.reduce((sum, t) => sum + t.dataBytes + t.indexBytes, 0);
  const bytesPerMau = tables.reduce((sum, t) => sum + t.bytesPerMau, 0);
  const projectedBytesPerMau = tables.reduce((sum, t) => sum + (t.projectedBytesPerMau ?? t.bytesPerMau), 0);
  // Audit entries a day (the last 30 days'), per MAU: they stay in D1 for AUDIT_ARCHIVE_AFTER_DAYS, then
  // in the archive until AUDIT_RETENTION_DAYS; without the archive, in D1 for the whole retention.
  const audit = tables.find((t) => t.table === 'audit_log')!;
  const auditRowsPerMauPerDay = m.lastMonthRows.audit_log! / 30 / mau;
  const auditRowsPerMau = auditRowsPerMauPerDay * config.auditRetentionDays;
  // At what a row holds: the pages of a table pruned every run (30 days kept) have much free space, a
  // year's table would not.
  const auditBytesPerMau = (auditRowsPerMau * audit.usedBytesPerMau) / audit.rowsPerMau;
  const withoutArchive = {
    auditRowsPerMau,
    auditBytesPerMau,
    bytesPerMau: projectedBytesPerMau - (audit.projectedBytesPerMau ?? audit.bytesPerMau) + auditBytesPerMau,
  };
  const archiveDays = config.auditRetentionDays - config.auditArchiveAfterDays;
  const archive = {
    ...m.archive,
    bytesPerMau: m.archive.bytes / mau,
    projectedBytesPerMau:
      m.archive.entries > 0 ? (auditRowsPerMauPerDay * archiveDays * m.archive.bytes) / m.archive.entries : null,
  };

  const entries = [...m.stats.entries()];
  const operation = (name: string, all: [string, CallStats][]) => {
    const calls = all.reduce((sum, [, s]) => sum + s.calls, 0);
    const mean = (key: 'roundTrips' | 'statements' | 'rowsRead' | 'rowsWritten') =>
      all.reduce((sum, [, s]) => sum + s[key], 0) / calls;
    return {
      name,
      calls,
      roundTrips: mean('roundTrips'),
      statements: mean('statements'),
      rowsRead: mean('rowsRead'),
      rowsWritten: mean('rowsWritten'),
      zeroMetaDurationShare: all.reduce((sum, [, s]) => sum + s.zeroDuration, 0) / calls,
    };
  };
  const operations = entries.map(([name, s]) => operation(name, [[name, s]])).sort((a, b) => b.calls - a.calls);
  const webhooks = entries.filter(([name]) => name.startsWith('webhook '));
  if (webhooks.length > 0) operations.push(operation('webhook (all types above)', webhooks));
  const refresh = operations.find((o) => o.name === 'refresh')!;
  const refreshMs = median(m.file.batchMs);

  return {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    runSeconds,
    settings: { users: USERS, days: DAYS, seed: SEED },
    model: {
      signupDays: SIGNUP_DAYS,
      activeMinutesPerActiveDay: ACTIVE_MINUTES,
      refreshesPerActiveDay: m.refreshesPerActiveDay,
      oauthShare: OAUTH_SHARE,
      verifyShare: VERIFY_SHARE,
      logoutPerActiveDay: LOGOUT_P,
      passwordResetPerActiveDay: RESET_P,
      failedPaymentPerPeriod: FAILED_PAYMENT_P,
      cancelPerPeriod: CANCEL_P,
      kinds: KINDS,
      cron: 'every simulated hour (production: every 5 minutes), and at the end',
    },
    config: {
      accessTokenTtl: config.accessTokenTtl,
      refreshTokenTtl: config.refreshTokenTtl,
      auditRetentionDays: config.auditRetentionDays,
      auditArchiveAfterDays: config.auditArchiveAfterDays,
      stripeEventRetentionDays: config.stripeEventRetentionDays,
    },
    population: { users: USERS, signedUp: users.filter((u) => u.userId).length, mau },
    storage: {
      method: `dbstat read with python3's sqlite3 module (SQLite ${m.file.sqliteVersion}) on the D1 file Miniflare persisted; dbstat through the D1 binding: ${m.dbstatThroughBinding}`,
      tables,
      appBytes,
      emptySchemaBytes: m.schema.filter((s) => tables.some((t) => t.table === s.tbl_name)).length * pageSize,
      otherBytes: bytesOf((name) => !tables.some((t) => t.table === (tableOf.get(name) ?? name))),
      fileBytes: m.file.pragmas.page_size * m.file.pragmas.page_count,
      freelistBytes: m.file.pragmas.page_size * m.file.pragmas.freelist_count,
      bytesPerMau,
      usedBytesPerMau: tables.reduce((sum, t) => sum + t.usedBytesPerMau, 0),
      projectedBytesPerMau,
      withoutArchive,
      archive,
    },
    operations,
    projections: {
      measured: {
        mauPer10GB: TEN_GB / bytesPerMau,
        mauPer10GBWithRetentionsReached: TEN_GB / projectedBytesPerMau,
        mauPer10GBWithoutArchive: TEN_GB / withoutArchive.bytesPerMau,
        refreshBatchSqliteMsMedian: refreshMs,
        refreshBatchesReplayed: m.file.batchMs.length,
        refreshStatements: refresh.statements,
        refreshesPerSecondPerPrimary: 1000 / refreshMs,
        localMetaDurationZeroShareOfRefreshes: refresh.zeroMetaDurationShare,
      },
      published: {
        source:
          'Cloudflare D1 docs, Limits (FAQ "How much work can a D1 database do?"): each database is single-threaded; at 1 ms per query ~1,000 queries/s; 10 GB per database (Workers Paid)',
        queriesPerSecondAt1MsPerQuery: PUBLISHED_QUERIES_PER_SECOND,
        refreshesPerSecondAt1MsPerStatement: PUBLISHED_QUERIES_PER_SECOND / refresh.statements,
        maxDatabaseBytes: TEN_GB,
      },
    },
  };
}

function print(r: ReturnType<typeof buildReport>) {
  const n = (value: number, digits = 0) =>
    value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const cols = (cells: [string | number, number][]) =>
    cells.map(([cell, width], i) => (i === 0 ? String(cell).padEnd(width) : String(cell).padStart(width))).join(' ');
  const { storage: s, projections: p, population, config } = r;
  console.log(`\nLiftoff storage and throughput model, ${r.machine.cpu} (${r.machine.cores} cores), ${r.date}`);
  console.log(
    `${r.settings.users} users signing up over ${SIGNUP_DAYS} days, ${r.settings.days} simulated days (seed ${r.settings.seed}), run in ${n(r.runSeconds)} s`,
  );
  console.log(
    `MAU at the end (signed in or refreshed in the last 30 simulated days): ${population.mau} of ${population.signedUp} accounts`,
  );
  console.log(
    `access token ${config.accessTokenTtl} s (${r.model.refreshesPerActiveDay} refreshes per ${ACTIVE_MINUTES}-minute active day), refresh token ${config.refreshTokenTtl / 86_400} days, audit entries kept ${config.auditRetentionDays} days (the last ${config.auditArchiveAfterDays} in D1, then in the R2 bucket AUDIT_ARCHIVE), stripe_events ${config.stripeEventRetentionDays} days; cron ${r.model.cron}`,
  );

  console.log(`\n1. D1 storage per MAU at the end, with the archive (measured: ${s.method})`);
  console.log(
    cols([
      ['table', 17],
      ['rows', 9],
      ['rows/MAU', 9],
      ['data KiB', 9],
      ['index KiB', 10],
      ['bytes/MAU', 10],
      ['used B/MAU', 11],
      ['  steady state', 0],
    ]),
  );
  for (const t of s.tables) {
    const steady =
      t.steady === null
        ? '  (lifetime unknown to the bench)'
        : t.steady
          ? '  yes'
          : t.projectedBytesPerMau === null
            ? '  not yet'
            : `  not yet: at its retention ~${n(t.projectedRowsPerMau!, 1)} rows, ~${n(t.projectedBytesPerMau)} bytes/MAU (projected)`;
    console.log(
      cols([
        [t.table, 17],
        [n(t.rows), 9],
        [n(t.rowsPerMau, 2), 9],
        [n(t.dataBytes / 1024, 1), 9],
        [n(t.indexBytes / 1024, 1), 10],
        [n(t.bytesPerMau), 10],
        [n(t.usedBytesPerMau), 11],
        [steady, 0],
      ]),
    );
  }
  const { withoutArchive: w, archive: a } = s;
  console.log(
    cols([
      ['total, with the archive (measured)', 57],
      [n(s.bytesPerMau), 10],
      [n(s.usedBytesPerMau), 11],
    ]),
  );
  console.log(
    cols([
      ['total with every table at its retention (projected)', 57],
      [n(s.projectedBytesPerMau), 10],
    ]),
  );
  console.log(
    cols([
      ['total without the archive (projected)', 57],
      [n(w.bytesPerMau), 10],
      ['', 11],
      [
        `  binding removed: audit_log at its full retention in D1, ${config.auditRetentionDays} days: ~${n(w.auditRowsPerMau, 1)} rows, ~${n(w.auditBytesPerMau)} bytes/MAU`,
        0,
      ],
    ]),
  );
  console.log(
    `(KiB: the pages dbstat counts for the table and for its indexes. bytes/MAU: those pages minus the empty schema's (one page per table and index, ${n(s.emptySchemaBytes / 1024)} KiB in all), per MAU; used B/MAU: what the pages hold (pgsize - unused), per MAU, which page rounding does not hide in small tables. Not counted: SQLite's and workerd's own tables, ${n(s.otherBytes / 1024)} KiB. The file: ${n(s.fileBytes / 1024)} KiB, ${n(s.freelistBytes / 1024)} KiB of it free pages)`,
  );

  const archive = `\nThe archive (R2 bucket AUDIT_ARCHIVE, measured: the objects it lists): ${n(a.objects)} objects, ${n(a.bytes / 1024, 1)} KiB`;
  if (a.projectedBytesPerMau === null) {
    console.log(`${archive} (no audit entry older than ${config.auditArchiveAfterDays} days yet)`);
  } else {
    console.log(
      `${archive}, ${n(a.entries)} entries (${n(a.entries / a.objects, 1)} per object) -> ${n(a.bytesPerMau)} bytes/MAU`,
    );
    console.log(
      `the archive at its retention (entries ${config.auditArchiveAfterDays} to ${config.auditRetentionDays} days old, at these bytes per entry): ~${n(a.projectedBytesPerMau)} bytes/MAU (projected)`,
    );
  }
  console.log(
    `(the cron job archives whole UTC days, up to 1,000 entries an object: a bigger population fills objects more, which gzip compresses better)`,
  );

  console.log(
    '\n2. D1 work per domain call (measured: mean per call, counted at the D1 binding; rows from meta.rows_read / meta.rows_written)',
  );
  console.log(
    cols([
      ['call', 48],
      ['calls', 8],
      ['round trips', 12],
      ['statements', 11],
      ['rows read', 10],
      ['rows written', 13],
    ]),
  );
  for (const o of r.operations) {
    console.log(
      cols([
        [o.name, 48],
        [n(o.calls), 8],
        [n(o.roundTrips, 2), 12],
        [n(o.statements, 2), 11],
        [n(o.rowsRead, 1), 10],
        [n(o.rowsWritten, 1), 13],
      ]),
    );
  }
  console.log(
    '(email delivery: what deliverEmails writes after a request that queued mail; refused: a refresh whose session had ended, say)',
  );

  const m = p.measured;
  console.log('\n3. Projections');
  console.log(
    `measured:  ${n(s.bytesPerMau)} bytes per MAU in D1 at the end, with the archive -> ${n(m.mauPer10GB)} MAU per 10 GB database`,
  );
  console.log(
    `           ${n(s.projectedBytesPerMau)} bytes per MAU with the archive and every table at its retention -> ${n(m.mauPer10GBWithRetentionsReached)} MAU per 10 GB (projected)`,
  );
  console.log(
    `           ${n(w.bytesPerMau)} bytes per MAU without the archive (audit_log's ${config.auditRetentionDays} days in D1) -> ${n(m.mauPer10GBWithoutArchive)} MAU per 10 GB (projected)`,
  );
  console.log(
    `measured:  SQLite execution of one refresh (its ${n(m.refreshStatements, 0)}-statement batch): median ${n(m.refreshBatchSqliteMsMedian, 3)} ms over ${m.refreshBatchesReplayed} refreshes captured at the end and replayed (python3 sqlite3, final database, each rolled back)`,
  );
  console.log(
    `           -> ${n(m.refreshesPerSecondPerPrimary)} refreshes/s per primary, SQLite time alone (no network, no D1 or Worker overhead, nothing else on the primary)`,
  );
  console.log(
    `           (local D1's meta.duration reported 0 ms for ${n(m.localMetaDurationZeroShareOfRefreshes * 100)}% of refreshes: workerd's clock does not advance during a synchronous SQLite call, so it is not used)`,
  );
  console.log(
    `published: a D1 database is single-threaded; at 1 ms per query ~${n(p.published.queriesPerSecondAt1MsPerQuery)} queries/s (Cloudflare D1 docs, Limits FAQ) -> ~${n(p.published.refreshesPerSecondAt1MsPerStatement)} refreshes/s if each of a refresh's ${n(m.refreshStatements, 0)} statements took 1 ms; 10 GB per database (Workers Paid)`,
  );
  console.log('\nFigures saved to bench-results/scale.json');
}

async function main() {
  const t0 = performance.now();
  const bindings = {
    APP_ENV: 'test',
    APP_URL: 'http://app.localhost',
    API_URL: 'http://bench.localhost',
    JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
    EMAIL_PROVIDER: 'log',
  };
  const config = parseConfig(bindings);
  if (config instanceof Error) throw config;
  console.log(`bench:scale: ${USERS} users, ${DAYS} simulated days (seed ${SEED})`);
  const users = population();
  const measured = await runAndMeasure(config, bindings, users, t0);
  const report = buildReport(config, users, measured, (performance.now() - t0) / 1000);
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', 'scale.json'), `${JSON.stringify(report, null, 2)}\n`);
  print(report);
}

await main();
