// `npm run bench`: builds the production bundle, runs it in workerd (Miniflare, local D1, no dev
// proxy) and measures key routes: throughput, latency, workerd CPU per request, memory, bundle size,
// and cold start with and without the billing path. Writes a table to stdout and the figures to
// bench-results/bench.json. Everything runs on loopback (a local Stripe fake included).
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import Stripe from 'stripe';
import { startStripeFake } from '../test/support/fakes/stripe-fake';
import { readBundle } from './lib/bundle-modules';
import { buildBundle, startLocalWorker } from './lib/local-worker';
import { generateSigningKeySet } from './lib/signing-keys.mjs';
import { workerBundleOptions } from './lib/worker-esbuild.mjs';

const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    'login-requests': { type: 'string', default: '40' },
    'cold-starts': { type: 'string', default: '3' },
  },
});
const REQUESTS = Number(options.requests);
const CONCURRENCY = Number(options.concurrency);
const LOGIN_REQUESTS = Number(options['login-requests']);
const COLD_STARTS = Number(options['cold-starts']);
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const PASSWORD = 'mauve-orbit-tundra-42';
const WEBHOOK_SECRET = 'whsec_bench_secret';
const root = new URL('..', import.meta.url).pathname;
const kib = (bytes: number) => bytes / 1024;

// Counted and asserted in test/query-budget.test.ts and test/stripe-webhook.test.ts (counts are
// deterministic there); restated here so the report is complete.
const D1_ROUND_TRIPS: Record<string, string> = {
  health: '1',
  me: '1',
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

function findWorkerd(pid = process.pid): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) !== pid) continue;
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'workerd') return Number(entry);
      const nested = findWorkerd(Number(entry));
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
 * The baseline Worker (scripts/bench-baseline/worker.ts), built with the production build's esbuild
 * settings, so the two differ only in what the code does.
 */
async function buildBaseline(): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'liftoff-baseline-'));
  await esbuild.build({
    ...workerBundleOptions,
    absWorkingDir: root,
    entryPoints: { index: 'scripts/bench-baseline/worker.ts' },
    outdir,
  });
  return outdir;
}

async function startWorker(bundleDir: string, bindings: Record<string, string>) {
  const { mf, url } = await startLocalWorker(bundleDir, bindings);
  const workerd = findWorkerd();
  if (!workerd) throw new Error('workerd process not found');
  return { mf, url, workerd };
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
  };
  const { mf, url, workerd } = await startWorker(bundle.outdir, bindings);
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

    // The floor: the same routes in the baseline Worker, alone in its own workerd with the same data.
    const liftoffDb = (await mf.getD1Database('DB')) as unknown as D1Database;
    const baselineDir = await buildBaseline();
    const baselineRows: Record<string, unknown>[] = [];
    for (const table of ['users', 'sessions', 'subscriptions']) {
      baselineRows.push(
        ...(
          await liftoffDb
            .prepare(`SELECT '${table}' AS t, * FROM ${table} WHERE ${table === 'users' ? 'id' : 'user_id'} = ?`)
            .bind(user.id)
            .all()
        ).results,
      );
    }
    await mf.dispose();
    const baseline: RouteResult[] = [];
    {
      const started = await startLocalWorker(baselineDir, bindings);
      const baselineWorkerd = findWorkerd();
      if (!baselineWorkerd) throw new Error('baseline workerd process not found');
      try {
        for (const { t, ...row } of baselineRows) {
          const columns = Object.keys(row);
          await started.db
            .prepare(`INSERT INTO ${String(t)} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
            .bind(...columns.map((column) => row[column]))
            .run();
        }
        const base = started.url;
        const runBaseline = async (route: string, step: () => Promise<Response>) => {
          await measure(route, baselineWorkerd, Math.min(20, REQUESTS), CONCURRENCY, step); // warm-up
          baseline.push(await measure(route, baselineWorkerd, REQUESTS, CONCURRENCY, step));
        };
        await runBaseline('health', () => fetch(new URL('/api/health', base)));
        await runBaseline('me', () => fetch(new URL('/api/me', base), { headers: bearer }));
        await runBaseline('webhook', () => signedWebhook(base, subscriptionEvent(user.id, customer, created++)));
      } finally {
        await started.mf.dispose();
        rmSync(baselineDir, { recursive: true, force: true });
      }
    }
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
      scryptCpuMsNode: nodeScryptCpuMs(),
      es256VerifyCpuMsNode: await es256VerifyCpuMs(),
      workerdMemory: mem,
      routes: results,
      baseline,
    };
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);

    const fmt = (n: number, d = 1) => n.toFixed(d).padStart(8);
    console.log(`\nLiftoff benchmark, ${report.machine.cpu} (${report.machine.cores} cores), ${report.date}`);
    const { startUpKiB, totalKiB } = report.bundle;
    console.log(
      `bundle evaluated at start-up: ${fmt(startUpKiB.raw)} KiB raw, ${fmt(startUpKiB.gzip)} KiB gzip (goal <= 150); Stripe evaluated at start-up: ${bundle.stripeAtStartUp ? 'yes' : 'no'}`,
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
    console.log('\nAgainst the floor: a minimal Worker doing the same D1 work (scripts/bench-baseline/worker.ts)');
    console.log('route      baseline CPU ms/req  Liftoff CPU ms/req  Liftoff / baseline');
    const goals: Record<string, number> = { health: 1.15, me: 1.25, webhook: 1.3 };
    for (const b of baseline) {
      const l = results.find((r) => r.route === b.route)!;
      console.log(
        `${b.route.padEnd(9)} ${fmt(b.cpuMsPerRequest, 2).padStart(20)} ${fmt(l.cpuMsPerRequest, 2).padStart(19)} ${(l.cpuMsPerRequest / b.cpuMsPerRequest).toFixed(2).padStart(19)} (goal <= ${goals[b.route]})`,
      );
    }
    console.log("\nCPU is the whole workerd process (the Worker, Miniflare's entry and local D1) per request.");
    console.log('Figures saved to bench-results/bench.json');
  } finally {
    await mf.dispose().catch(() => {});
    await new Promise((resolve) => stripeFake.server.close(resolve));
    rmSync(bundle.outdir, { recursive: true, force: true });
  }
}

await main();
