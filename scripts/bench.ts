// `npm run bench`: builds the production bundle, runs it in workerd (Miniflare, local D1, no dev
// proxy) and measures key routes: throughput, latency, workerd CPU per request, memory, bundle size,
// the first request to a fresh workerd; GET /api/me with an API key against an access token (CPU per
// request in alternating rounds); Liftoff against the minimal Workers of scripts/bench-baseline/
// (CPU per request in alternating rounds, start-up of a freshly spawned workerd and V8's parse and
// evaluate time). Writes a table to stdout and the figures to bench-results/bench.json. Everything
// runs on loopback (a local Stripe fake included). It rebuilds dist/: do not run it beside the tests.
import { spawnSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import Stripe from 'stripe';
import { startStripeFake } from '../test/support/fakes/stripe-fake';
import { readBundle } from './lib/bundle-modules';
import { buildBundle, compatibility, startLocalWorker } from './lib/local-worker';
import { oneLineWorker, spawnToFirstResponseMs } from './lib/start-up';
import { generateSigningKeySet } from './lib/signing-keys.mjs';
import { withoutZodTranslations, workerBundleOptions } from './lib/worker-esbuild.mjs';

const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    'login-requests': { type: 'string', default: '40' },
    'cold-starts': { type: 'string', default: '3' },
    'start-ups': { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
  },
});
const REQUESTS = Number(options.requests);
const CONCURRENCY = Number(options.concurrency);
const LOGIN_REQUESTS = Number(options['login-requests']);
const COLD_STARTS = Number(options['cold-starts']);
const START_UPS = Number(options['start-ups']);
const ROUNDS = Number(options.rounds);
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const PASSWORD = 'mauve-orbit-tundra-42';
const WEBHOOK_SECRET = 'whsec_bench_secret';
// The Worker's API_KEY_RATE_LIMIT (its most) and the bench key's limit: above every request it sends.
const API_KEY_RATE_LIMIT = 100_000;
const root = new URL('..', import.meta.url).pathname;
const kib = (bytes: number) => bytes / 1024;

// Counted and asserted in test/query-budget.test.ts and test/stripe-webhook.test.ts (counts are
// deterministic there); restated here so the report is complete.
const D1_ROUND_TRIPS: Record<string, string> = {
  health: '1',
  me: '1',
  'me-key': '1 (the key check, its rate count and the account in one batch)',
  refresh: '1 (batch)',
  login: '2',
  checkout: '1 (2 on the first)',
  webhook: '2',
};

interface RouteResult {
  route: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  d1RoundTrips: string;
}

async function build() {
  const { outdir } = buildBundle();
  const modules = await readBundle(outdir);
  if (modules.stripeModules.length === 0)
    throw new Error('no Stripe module found in the bundle: has the chunk name changed?');
  return { outdir, ...modules, stripeAtStartUp: modules.stripeModules.some((m) => m.evaluatedAtStartUp) };
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** A workerd process started by this one (not one of `except`, workerd processes already known). */
function findWorkerd(pid = process.pid, except: number[] = []): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) !== pid) continue;
      const isWorkerd = readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd';
      if (isWorkerd && !except.includes(Number(entry))) return Number(entry);
      const nested = findWorkerd(Number(entry), except);
      if (nested) return nested;
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

const cpuTicks = (pid: number) => Number(statFields(pid)[11]) + Number(statFields(pid)[12]); // utime + stime

function memory(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const randomIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

/** `lanes` run in parallel; each calls `step(i)` until `count` requests are done. */
async function measure(
  route: string,
  workerd: number,
  count: number,
  lanes: number,
  step: (lane: number) => Promise<Response>,
  expectStatus = 200,
): Promise<RouteResult> {
  const latencies: number[] = [];
  let started = 0;
  const ticksBefore = cpuTicks(workerd);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (started < count) {
        started++;
        const t = performance.now();
        const response = await step(lane);
        await response.arrayBuffer();
        latencies.push(performance.now() - t);
        if (response.status !== expectStatus)
          throw new Error(`${route}: expected ${expectStatus}, got ${response.status}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    route,
    requests: latencies.length,
    requestsPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerRequest: (((cpuTicks(workerd) - ticksBefore) / CLOCK_TICKS_PER_SECOND) * 1000) / latencies.length,
    d1RoundTrips: D1_ROUND_TRIPS[route] ?? '-',
  };
}

/** Rounds of one route as one result: CPU and throughput over all of them, the median round's latencies. */
function combined(runs: RouteResult[]): RouteResult {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const byMedian = [...runs].sort((a, b) => a.p50Ms - b.p50Ms)[Math.floor(runs.length / 2)]!;
  return {
    ...byMedian,
    requests,
    cpuMsPerRequest: runs.reduce((sum, r) => sum + r.cpuMsPerRequest * r.requests, 0) / requests,
    requestsPerSecond: requests / runs.reduce((sum, r) => sum + r.requests / r.requestsPerSecond, 0),
  };
}

/**
 * Two sides of one comparison in alternating rounds (a warm-up of each first), so that a slow spell
 * of this machine hits both alike: each side over all its rounds, and the first ÷ second CPU per round.
 */
async function alternatingRounds(sides: { route: string; workerd: number; step: () => Promise<Response> }[]) {
  for (const side of sides) await measure(side.route, side.workerd, Math.min(20, REQUESTS), CONCURRENCY, side.step);
  const runs = sides.map(() => [] as RouteResult[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const side = sides[i]!;
      runs[i]!.push(await measure(side.route, side.workerd, REQUESTS, CONCURRENCY, side.step));
    }
  }
  const [first, second] = runs.map(combined);
  const roundRatios = runs[0]!.map((run, i) => run.cpuMsPerRequest / runs[1]![i]!.cpuMsPerRequest);
  return { first: first!, second: second!, roundRatios };
}

/** CPU per ES256 access-token verification (jose over WebCrypto, in Node on this machine). */
async function es256VerifyCpuMs(samples = 1000) {
  const { generateKeyPair, SignJWT, jwtVerify } = await import('jose');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const token = await new SignJWT({ sid: 's', role: 'user' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k' })
    .setIssuer('i')
    .setAudience('a')
    .setSubject('u')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(privateKey);
  const before = process.cpuUsage();
  for (let i = 0; i < samples; i++)
    await jwtVerify(token, publicKey, { issuer: 'i', audience: 'a', typ: 'at+jwt', algorithms: ['ES256'] });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / samples;
}

function nodeScryptCpuMs(samples = 5) {
  const before = process.cpuUsage();
  for (let i = 0; i < samples; i++)
    scryptSync(PASSWORD, randomBytes(16), 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / samples;
}

/**
 * A Worker of scripts/bench-baseline/ (the baseline, or the libraries alone), built with the
 * production build's esbuild settings, so it differs from Liftoff's bundle only in its code.
 */
async function buildProbe(entry: string): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'liftoff-probe-'));
  await esbuild.build({
    ...workerBundleOptions,
    absWorkingDir: root,
    entryPoints: { index: entry },
    outdir,
    // As Liftoff's build (the baseline has no zod; the libraries probe does).
    plugins: [withoutZodTranslations],
  });
  return outdir;
}

type Probe = 'liftoff' | 'baseline' | 'libraries' | 'zod';

/**
 * Spawn to first answer of a fresh workerd, minus the same for a one-line Worker spawned just
 * before it (the median of START_UPS such differences, all Workers interleaved): for Liftoff, the
 * baseline, Liftoff's libraries alone and zod alone. The first request is a 404 every Worker
 * answers without D1 (Liftoff's still loads its settings). Then the same modules' V8 work.
 */
async function startUpMs(dirs: Record<Probe, string>, bindings: Record<string, string>) {
  const oneLine = oneLineWorker();
  const differences: Record<string, number[]> = {};
  const zeros: number[] = [];
  const spawnMs = (dir: string) => spawnToFirstResponseMs(dir, '/bench/start-up', 404, bindings, compatibility());
  try {
    for (let i = 0; i < START_UPS; i++) {
      for (const [name, dir] of Object.entries(dirs)) {
        const zero = await spawnMs(oneLine);
        zeros.push(zero);
        (differences[name] ??= []).push((await spawnMs(dir)) - zero);
      }
    }
  } finally {
    rmSync(oneLine, { recursive: true, force: true });
  }
  const v8 = (dir: string) => {
    const runs = Array.from({ length: START_UPS }, () => v8ModuleCost(dir));
    return {
      parseMs: median(runs.map((r) => r.parseMs)),
      evaluateMs: median(runs.map((r) => r.evaluateMs)),
      totalMs: median(runs.map((r) => r.parseMs + r.evaluateMs)),
    };
  };
  const each = <T>(f: (name: Probe) => T) =>
    Object.fromEntries((Object.keys(dirs) as Probe[]).map((name) => [name, f(name)])) as Record<Probe, T>;
  return {
    oneLineMs: median(zeros),
    spawnMs: each((name) => median(differences[name]!)),
    v8: each((name) => v8(dirs[name])),
  };
}

/** The middle value; for an even count, the mean of the two middle values. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** V8's parse and evaluate time for the bundle's start-up modules, in a fresh Node process. */
function v8ModuleCost(dir: string): { parseMs: number; evaluateMs: number } {
  const result = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--no-warnings', join(root, 'scripts/lib/v8-module-cost.mjs'), join(dir, 'index.js')],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`v8-module-cost failed on ${dir}:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

async function startWorker(bundleDir: string, bindings: Record<string, string>, runningWorkerd: number[] = []) {
  const { mf, url, db } = await startLocalWorker(bundleDir, bindings);
  const workerd = findWorkerd(process.pid, runningWorkerd);
  if (!workerd) throw new Error('workerd process not found');
  return { mf, url, db, workerd };
}

const signer = new Stripe('sk_test_bench_signer');
function signedWebhook(url: URL, payload: string): Promise<Response> {
  const signature = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  return fetch(new URL('/api/webhooks/stripe', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
}

function subscriptionEvent(userId: string, customer: string, created: number) {
  return JSON.stringify({
    id: `evt_bench_${randomBytes(8).toString('hex')}`,
    object: 'event',
    created,
    type: 'customer.subscription.updated',
    data: {
      object: {
        id: `sub_bench_${userId.slice(0, 8)}`,
        object: 'subscription',
        customer,
        status: 'active',
        cancel_at_period_end: false,
        metadata: { user_id: userId },
        items: {
          object: 'list',
          data: [
            {
              id: 'si_bench',
              object: 'subscription_item',
              current_period_end: created + 2_592_000,
              price: { id: 'price_bench' },
            },
          ],
        },
      },
    },
  });
}

/** Time for a fresh workerd to answer its first request, `path` being the first thing it runs. */
async function coldStart(bundleDir: string, bindings: Record<string, string>, first: (url: URL) => Promise<Response>) {
  const samples: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const { mf, url } = await startWorker(bundleDir, bindings);
    try {
      const t = performance.now();
      const response = await first(url);
      await response.arrayBuffer();
      samples.push(performance.now() - t);
    } finally {
      await mf.dispose();
    }
  }
  samples.sort((a, b) => a - b);
  return percentile(samples, 50);
}

async function main() {
  const bundle = await build();
  const stripeFake = await startStripeFake();
  const bindings = {
    APP_ENV: 'test',
    APP_URL: 'http://app.localhost',
    API_URL: 'http://bench.localhost',
    JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
    EMAIL_PROVIDER: 'log',
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_PRICE_IDS: 'price_bench',
    STRIPE_API_URL: stripeFake.url,
    API_KEY_RATE_LIMIT: String(API_KEY_RATE_LIMIT),
  };
  // Requests made with the API key (warm-ups, the route table's pass, the rounds): all must be 200s.
  if (2 * Math.min(20, REQUESTS) + (1 + ROUNDS) * REQUESTS > API_KEY_RATE_LIMIT)
    throw new Error(`more requests with the API key than its limit of ${API_KEY_RATE_LIMIT} a minute`);
  const { mf, url, db, workerd } = await startWorker(bundle.outdir, bindings);
  // The bench's other Workers (scripts/bench-baseline/), built as they are needed; removed at the end.
  const probes: Partial<Record<'baseline' | 'libraries' | 'zod', string>> = {};
  try {
    const json = (body: unknown, headers: Record<string, string> = {}) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': randomIp(), ...headers },
      body: JSON.stringify(body),
    });
    const email = `bench-${Date.now()}@example.com`;
    const registered = await fetch(new URL('/api/auth/register', url), json({ email, password: PASSWORD }));
    if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
    const { access_token: accessToken, user } = (await registered.json()) as {
      access_token: string;
      user: { id: string };
    };
    const bearer = { Authorization: `Bearer ${accessToken}` };
    // An API key of the same user (keys are made from verified addresses only), reading as the token does.
    await db.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), user.id).run();
    const made = await fetch(
      new URL('/api/me/api-keys', url),
      json({ name: 'bench', scopes: ['read'], rate_limit_per_minute: API_KEY_RATE_LIMIT }, bearer),
    );
    if (made.status !== 201) throw new Error(`API key not made: ${made.status} ${await made.text()}`);
    const apiKey = { Authorization: `Bearer ${((await made.json()) as { key: string }).key}` };

    // Each refresh lane keeps its own session and always presents its newest cookie.
    const chains: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const response = await fetch(new URL('/api/auth/login', url), json({ email, password: PASSWORD }));
      chains.push(/refresh_token=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!);
    }

    const results: RouteResult[] = [];
    const run = async (route: string, count: number, lanes: number, step: (lane: number) => Promise<Response>) => {
      await measure(route, workerd, Math.min(20, count), lanes, step); // warm-up
      results.push(await measure(route, workerd, count, lanes, step));
    };
    await run('health', REQUESTS, CONCURRENCY, () => fetch(new URL('/api/health', url)));
    await run('me', REQUESTS, CONCURRENCY, () => fetch(new URL('/api/me', url), { headers: bearer }));
    await run('me-key', REQUESTS, CONCURRENCY, () => fetch(new URL('/api/me', url), { headers: apiKey }));
    // The same route with an API key and with an access token, in alternating rounds.
    const keyAgainstToken = await alternatingRounds([
      { route: 'me-key', workerd, step: () => fetch(new URL('/api/me', url), { headers: apiKey }) },
      { route: 'me', workerd, step: () => fetch(new URL('/api/me', url), { headers: bearer }) },
    ]);
    await run('refresh', REQUESTS, chains.length, async (lane) => {
      const response = await fetch(new URL('/api/auth/refresh', url), {
        method: 'POST',
        headers: { Cookie: `refresh_token=${chains[lane]}` },
      });
      chains[lane] = /refresh_token=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1] ?? chains[lane]!;
      return response;
    });
    await run('checkout', REQUESTS, CONCURRENCY, () =>
      fetch(new URL('/api/billing/checkout', url), {
        ...json({ price_id: 'price_bench' }),
        headers: { ...bearer, 'Content-Type': 'application/json' },
      }),
    );
    const customer = `cus_bench_${user.id.slice(0, 8)}`;
    let created = Math.floor(Date.now() / 1000);
    await run('webhook', REQUESTS, CONCURRENCY, () =>
      signedWebhook(url, subscriptionEvent(user.id, customer, created++)),
    );
    // Logins last: each costs a scrypt hash, so fewer of them, two at a time (two cores).
    results.push(
      await measure('login', workerd, LOGIN_REQUESTS, 2, () =>
        fetch(new URL('/api/auth/login', url), json({ email, password: PASSWORD })),
      ),
    );

    const mem = memory(workerd);

    // The floor: the same routes in the baseline Worker, in its own workerd with the same rows. The
    // two are measured in alternating rounds, so that a slow spell of this machine hits both alike.
    const liftoffDb = (await mf.getD1Database('DB')) as unknown as D1Database;
    probes.baseline = await buildProbe('scripts/bench-baseline/worker.ts');
    const floor = await startWorker(probes.baseline, bindings, [workerd]);
    const comparisons: { route: string; baseline: RouteResult; liftoff: RouteResult; roundRatios: number[] }[] = [];
    try {
      for (const table of ['users', 'sessions', 'subscriptions']) {
        const rows = await liftoffDb
          .prepare(`SELECT * FROM ${table} WHERE ${table === 'users' ? 'id' : 'user_id'} = ?`)
          .bind(user.id)
          .all<Record<string, unknown>>();
        for (const row of rows.results) {
          const columns = Object.keys(row);
          await floor.db
            .prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
            .bind(...columns.map((column) => row[column]))
            .run();
        }
      }
      const steps: Record<string, (base: URL) => () => Promise<Response>> = {
        health: (base) => () => fetch(new URL('/api/health', base)),
        me: (base) => () => fetch(new URL('/api/me', base), { headers: bearer }),
        webhook: (base) => () => signedWebhook(base, subscriptionEvent(user.id, customer, created++)),
      };
      for (const [route, step] of Object.entries(steps)) {
        const { first, second, roundRatios } = await alternatingRounds([
          { route, workerd, step: step(url) },
          { route, workerd: floor.workerd, step: step(floor.url) },
        ]);
        comparisons.push({ route, liftoff: first, baseline: second, roundRatios });
      }
    } finally {
      await floor.mf.dispose();
      await mf.dispose();
    }
    probes.libraries = await buildProbe('scripts/bench-baseline/libraries-only.ts');
    probes.zod = await buildProbe('scripts/bench-baseline/zod-only.ts');
    const dirs = { liftoff: bundle.outdir, baseline: probes.baseline, libraries: probes.libraries, zod: probes.zod };
    const startUp = await startUpMs(dirs, bindings);
    const startUpSizes: Record<string, { rawBytes: number; gzipBytes: number }> = {};
    for (const [name, dir] of Object.entries(dirs)) startUpSizes[name] = (await readBundle(dir)).startUp;
    const coldHealthMs = await coldStart(bundle.outdir, bindings, (u) => fetch(new URL('/api/health', u)));
    const coldWebhookMs = await coldStart(bundle.outdir, bindings, (u) =>
      signedWebhook(
        u,
        JSON.stringify({
          id: 'evt_cold',
          object: 'event',
          created: Math.floor(Date.now() / 1000),
          type: 'customer.created',
          data: { object: { id: 'cus_cold' } },
        }),
      ),
    );

    const report = {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
      settings: {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        loginRequests: LOGIN_REQUESTS,
        coldStarts: COLD_STARTS,
        startUps: START_UPS,
        rounds: ROUNDS,
      },
      bundle: {
        startUpKiB: { raw: kib(bundle.startUp.rawBytes), gzip: kib(bundle.startUp.gzipBytes) },
        totalKiB: { raw: kib(bundle.total.rawBytes), gzip: kib(bundle.total.gzipBytes) },
        modules: bundle.modules.map((m) => ({
          path: m.path,
          rawKiB: kib(m.rawBytes),
          gzipKiB: kib(m.gzipBytes),
          evaluatedAtStartUp: m.evaluatedAtStartUp,
        })),
        stripeEvaluatedAtStartUp: bundle.stripeAtStartUp,
      },
      coldStartMs: { health: coldHealthMs, webhook: coldWebhookMs },
      startUp: {
        ...startUp,
        modulesKiB: Object.fromEntries(
          Object.entries(startUpSizes).map(([name, size]) => [
            name,
            { raw: kib(size.rawBytes), gzip: kib(size.gzipBytes) },
          ]),
        ),
      },
      scryptCpuMsNode: nodeScryptCpuMs(),
      es256VerifyCpuMsNode: await es256VerifyCpuMs(),
      workerdMemory: mem,
      routes: results,
      apiKeyAgainstAccessToken: {
        route: 'GET /api/me',
        accessToken: keyAgainstToken.second,
        apiKey: keyAgainstToken.first,
        cpuRatio: keyAgainstToken.first.cpuMsPerRequest / keyAgainstToken.second.cpuMsPerRequest,
        roundRatios: keyAgainstToken.roundRatios,
      },
      againstBaseline: comparisons,
    };
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);

    const fmt = (n: number, d = 1) => n.toFixed(d).padStart(8);
    console.log(`\nLiftoff benchmark, ${report.machine.cpu} (${report.machine.cores} cores), ${report.date}`);
    const { startUpKiB, totalKiB } = report.bundle;
    console.log(
      `bundle evaluated at start-up: ${fmt(startUpKiB.raw)} KiB raw, ${fmt(startUpKiB.gzip)} KiB gzip (goal <= 120); Stripe evaluated at start-up: ${bundle.stripeAtStartUp ? 'yes' : 'no'}`,
    );
    console.log(`all modules uploaded:         ${fmt(totalKiB.raw)} KiB raw, ${fmt(totalKiB.gzip)} KiB gzip`);
    for (const m of report.bundle.modules) {
      console.log(
        `  ${m.path.padEnd(44)} ${fmt(m.rawKiB)} KiB raw ${fmt(m.gzipKiB)} KiB gzip  ${m.evaluatedAtStartUp ? 'at start-up' : 'on first import()'}`,
      );
    }
    console.log(
      `first request to a freshly started workerd (median of ${COLD_STARTS}): health ${fmt(coldHealthMs)} ms, webhook ${fmt(coldWebhookMs)} ms`,
    );
    console.log(
      `\nstart-up (goal: Liftoff <= 20 ms, <= 120 KiB gzip). "spawn": a fresh workerd spawned to its first answer, minus a one-line Worker's (${fmt(startUp.oneLineMs)} ms), median of ${START_UPS} paired differences;`,
    );
    console.log(
      '"V8": the same modules parsed and evaluated (evaluation includes compiling the functions that run) in a fresh Node process, median of ' +
        START_UPS,
    );
    console.log('                        spawn ms    V8 ms = parse + evaluate    KiB gzip');
    const probeNames: Record<Probe, string> = {
      liftoff: 'Liftoff',
      libraries: 'its libraries alone',
      zod: 'zod alone',
      baseline: 'baseline Worker',
    };
    for (const name of ['liftoff', 'libraries', 'zod', 'baseline'] as Probe[]) {
      const v8 = startUp.v8[name];
      console.log(
        `  ${probeNames[name].padEnd(20)} ${fmt(startUp.spawnMs[name])} ${fmt(v8.totalMs)} = ${fmt(v8.parseMs)} + ${fmt(v8.evaluateMs)} ${fmt(kib(startUpSizes[name]!.gzipBytes))}`,
      );
    }
    console.log(
      "  (libraries: hono, zod + @hono/zod-openapi, drizzle + Liftoff's tables, jose, loaded and unused; zod: zod + @hono/zod-openapi; baseline: hono, jose)\n",
    );
    console.log(`workerd memory: RSS ${fmt(mem.rssMiB)} MiB, peak ${fmt(mem.peakMiB)} MiB`);
    console.log(`scrypt (N=2^14, r=8, p=5) in Node on this machine: ${fmt(report.scryptCpuMsNode)} ms CPU per hash`);
    const health = results.find((r) => r.route === 'health')!;
    const me = results.find((r) => r.route === 'me')!;
    const ratio = me.cpuMsPerRequest / (health.cpuMsPerRequest + report.es256VerifyCpuMsNode);
    console.log(
      `ES256 verification in Node: ${fmt(report.es256VerifyCpuMsNode, 3)} ms CPU; protected route / (plain route + one verification) = ${ratio.toFixed(2)} (goal <= 1.5)\n`,
    );
    console.log('route      requests    req/s   p50 ms   p99 ms  CPU ms/req  D1 round trips');
    for (const r of results) {
      console.log(
        `${r.route.padEnd(9)} ${String(r.requests).padStart(9)} ${fmt(r.requestsPerSecond)} ${fmt(r.p50Ms, 2)} ${fmt(r.p99Ms, 2)} ${fmt(r.cpuMsPerRequest, 2).padStart(11)}  ${r.d1RoundTrips}`,
      );
    }
    console.log(
      '(me: an access token; me-key: an API key, its last use written after the response at most once a minute)',
    );
    const { apiKeyAgainstAccessToken: vsToken } = report;
    console.log(
      `\nGET /api/me with an API key against an access token, ${ROUNDS} alternating rounds of ${REQUESTS} requests each`,
    );
    console.log('route      token CPU ms/req  API key CPU ms/req     key / token');
    console.log(
      `${'me'.padEnd(9)} ${fmt(vsToken.accessToken.cpuMsPerRequest, 2).padStart(17)} ${fmt(vsToken.apiKey.cpuMsPerRequest, 2).padStart(19)} ${vsToken.cpuRatio.toFixed(2).padStart(15)} (rounds ${Math.min(...vsToken.roundRatios).toFixed(2)}–${Math.max(...vsToken.roundRatios).toFixed(2)})`,
    );
    console.log(
      `\nAgainst the floor: a minimal Worker doing the same D1 work (scripts/bench-baseline/worker.ts), ${ROUNDS} alternating rounds of ${REQUESTS} requests each`,
    );
    console.log('route      baseline CPU ms/req  Liftoff CPU ms/req  Liftoff / baseline');
    const goals: Record<string, number> = { health: 1.15, me: 1.25, webhook: 1.3 };
    for (const { route, baseline, liftoff, roundRatios } of comparisons) {
      const spread = `rounds ${Math.min(...roundRatios).toFixed(2)}–${Math.max(...roundRatios).toFixed(2)}`;
      console.log(
        `${route.padEnd(9)} ${fmt(baseline.cpuMsPerRequest, 2).padStart(20)} ${fmt(liftoff.cpuMsPerRequest, 2).padStart(19)} ${(liftoff.cpuMsPerRequest / baseline.cpuMsPerRequest).toFixed(2).padStart(19)} (goal <= ${goals[route]}; ${spread})`,
      );
    }
    console.log("\nCPU is the whole workerd process (the Worker, Miniflare's entry and local D1) per request.");
    console.log('Figures saved to bench-results/bench.json');
  } finally {
    await mf.dispose().catch(() => {});
    await new Promise((resolve) => stripeFake.server.close(resolve));
    for (const dir of [bundle.outdir, ...Object.values(probes)]) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
