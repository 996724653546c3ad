// `npm run bench`: builds the production bundle, runs it in workerd (Miniflare, local D1, no dev
// proxy) and measures key routes: throughput, latency, workerd CPU per request, memory, bundle size.
// Writes a table to stdout and the figures to bench-results/bench.json. Loopback only.
import { spawnSync } from 'node:child_process';
import { scryptSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { generateSigningKeySet } from './lib/signing-keys.mjs';

const { values: options } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '8' },
    'login-requests': { type: 'string', default: '40' },
  },
});
const REQUESTS = Number(options.requests);
const CONCURRENCY = Number(options.concurrency);
const LOGIN_REQUESTS = Number(options['login-requests']);
const CLOCK_TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux
const PASSWORD = 'mauve-orbit-tundra-42';
const root = new URL('..', import.meta.url).pathname;

// D1 round trips per request are counted and asserted in test/query-budget.test.ts (counts are
// deterministic there); they are restated here so the report is complete.
const D1_ROUND_TRIPS = { health: 1, me: 1, refresh: 1, login: 2 };

function build() {
  const outdir = mkdtempSync(join(tmpdir(), 'liftoff-bundle-'));
  const result = spawnSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrangler build failed:\n${result.stderr}`);
  const code = readFileSync(join(outdir, 'index.js'));
  return { outdir, raw: code.byteLength, gzip: gzipSync(code).byteLength };
}

function compatibility() {
  const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
  return {
    date: /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)[1],
    flags: JSON.parse(/^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(toml)[1]),
  };
}

function childrenOf(pid) {
  const kids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) kids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return kids;
}

function findWorkerd(pid = process.pid) {
  for (const child of childrenOf(pid)) {
    if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === 'workerd') return child;
    const nested = findWorkerd(child);
    if (nested) return nested;
  }
  return null;
}

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const randomIp = () => `10.${randomBytes(1)[0]}.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

/** Runs `count` requests, `concurrency` at a time; `makeRequest(i)` returns [url, init]. */
async function run(name, workerd, count, concurrency, makeRequest, expectStatus) {
  const latencies = [];
  let next = 0;
  const ticksBefore = cpuTicks(workerd);
  const started = performance.now();
  async function lane() {
    while (next < count) {
      const i = next++;
      const [url, init] = await makeRequest(i);
      const t0 = performance.now();
      const response = await fetch(url, init);
      await response.arrayBuffer();
      latencies.push(performance.now() - t0);
      if (response.status !== expectStatus) throw new Error(`${name}: expected ${expectStatus}, got ${response.status}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = ((cpuTicks(workerd) - ticksBefore) / CLOCK_TICKS_PER_SECOND) * 1000;
  latencies.sort((a, b) => a - b);
  return {
    route: name,
    requests: count,
    requestsPerSecond: count / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerRequest: cpuMs / count,
    d1RoundTrips: D1_ROUND_TRIPS[name],
  };
}

function nodeScryptCpuMs(samples = 5) {
  const before = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    scryptSync(PASSWORD, randomBytes(16), 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / samples;
}

async function main() {
  const bundle = build();
  const { date, flags } = compatibility();
  const apiUrl = 'http://bench.localhost';
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(bundle.outdir, 'index.js'),
    modulesRoot: bundle.outdir,
    compatibilityDate: date,
    compatibilityFlags: flags,
    d1Databases: ['DB'],
    // The Worker's per-request log lines would drown the report.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
    bindings: {
      APP_ENV: 'test',
      APP_URL: 'http://app.localhost',
      API_URL: apiUrl,
      JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
      EMAIL_PROVIDER: 'log',
    },
  });
  try {
    const url = await mf.ready;
    const db = await mf.getD1Database('DB');
    for (const file of readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
      const statements = readFileSync(join(root, 'migrations', file), 'utf8')
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter(Boolean);
      await db.batch(statements.map((s) => db.prepare(s)));
    }
    const workerd = findWorkerd();
    if (!workerd) throw new Error('workerd process not found');

    const json = (body, headers = {}) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': randomIp(), ...headers },
      body: JSON.stringify(body),
    });
    const email = `bench-${Date.now()}@example.com`;
    const registered = await fetch(new URL('/api/auth/register', url), json({ email, password: PASSWORD }));
    if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${await registered.text()}`);
    const { access_token: accessToken } = await registered.json();

    // Refresh chains: each lane keeps its own session and always presents its newest cookie.
    const chains = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const response = await fetch(new URL('/api/auth/login', url), json({ email, password: PASSWORD }));
      chains.push(/refresh_token=([^;]+)/.exec(response.headers.get('set-cookie'))[1]);
    }

    const results = [];
    const warm = (name, makeRequest, status) => run(name, workerd, 20, CONCURRENCY, makeRequest, status);
    const health = () => [new URL('/api/health', url), undefined];
    await warm('health', health, 200);
    results.push(await run('health', workerd, REQUESTS, CONCURRENCY, health, 200));
    const me = () => [new URL('/api/me', url), { headers: { Authorization: `Bearer ${accessToken}` } }];
    await warm('me', me, 200);
    results.push(await run('me', workerd, REQUESTS, CONCURRENCY, me, 200));
    // Refresh needs the newest cookie of its chain, so each chain runs sequentially.
    const refreshResult = await (async () => {
      const latencies = [];
      const ticksBefore = cpuTicks(workerd);
      const started = performance.now();
      const perChain = Math.ceil(REQUESTS / chains.length);
      await Promise.all(
        chains.map(async (_, chain) => {
          for (let i = 0; i < perChain; i++) {
            const t0 = performance.now();
            const response = await fetch(new URL('/api/auth/refresh', url), {
              method: 'POST',
              headers: { Cookie: `refresh_token=${chains[chain]}` },
            });
            await response.arrayBuffer();
            latencies.push(performance.now() - t0);
            if (response.status !== 200) throw new Error(`refresh: ${response.status}`);
            chains[chain] = /refresh_token=([^;]+)/.exec(response.headers.get('set-cookie'))[1];
          }
        }),
      );
      const count = perChain * chains.length;
      const seconds = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        route: 'refresh',
        requests: count,
        requestsPerSecond: count / seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        cpuMsPerRequest: (((cpuTicks(workerd) - ticksBefore) / CLOCK_TICKS_PER_SECOND) * 1000) / count,
        d1RoundTrips: D1_ROUND_TRIPS.refresh,
      };
    })();
    results.push(refreshResult);
    const login = () => [new URL('/api/auth/login', url), json({ email, password: PASSWORD })];
    results.push(await run('login', workerd, LOGIN_REQUESTS, Math.min(CONCURRENCY, 2), login, 200));

    const mem = memory(workerd);
    const report = {
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
      settings: { requests: REQUESTS, concurrency: CONCURRENCY, loginRequests: LOGIN_REQUESTS },
      bundle: { rawKiB: bundle.raw / 1024, gzipKiB: bundle.gzip / 1024 },
      scryptCpuMsNode: nodeScryptCpuMs(),
      workerdMemory: mem,
      routes: results,
    };
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', 'bench.json'), `${JSON.stringify(report, null, 2)}\n`);

    const fmt = (n, d = 1) => n.toFixed(d).padStart(8);
    console.log(`\nLiftoff benchmark, ${report.machine.cpu} (${report.machine.cores} cores), ${report.date}`);
    console.log(`bundle: ${fmt(report.bundle.rawKiB)} KiB raw, ${fmt(report.bundle.gzipKiB)} KiB gzip`);
    console.log(`workerd memory: RSS ${fmt(mem.rssMiB)} MiB, peak ${fmt(mem.peakMiB)} MiB`);
    console.log(`scrypt (N=2^14, r=8, p=5) in Node on this machine: ${fmt(report.scryptCpuMsNode)} ms CPU per hash\n`);
    console.log('route      requests    req/s   p50 ms   p99 ms  CPU ms/req  D1 round trips');
    for (const r of results) {
      console.log(
        `${r.route.padEnd(9)} ${String(r.requests).padStart(9)} ${fmt(r.requestsPerSecond)} ${fmt(r.p50Ms, 2)} ${fmt(r.p99Ms, 2)} ${fmt(r.cpuMsPerRequest, 2).padStart(11)} ${String(r.d1RoundTrips).padStart(15)}`,
      );
    }
    console.log('\nCPU is the whole workerd process (worker, Miniflare entry and local D1), per request.');
    console.log('Figures saved to bench-results/bench.json');
  } finally {
    await mf.dispose();
    rmSync(bundle.outdir, { recursive: true, force: true });
  }
}

await main();
