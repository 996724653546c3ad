// `npm run profile -- <health|me|webhook> [requests]`: a V8 CPU profile of the production bundle in
// workerd while it serves one route, mapped back to the TypeScript through the build's source maps.
// Prints the functions with the most self time and the most inclusive time, in µs per request
// (sampling inflates them; compare them with each other, and confirm a change with `npm run bench`).
import { readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import Stripe from 'stripe';
import { buildBundle, startLocalWorker } from './lib/local-worker';
import { generateSigningKeySet } from './lib/signing-keys.mjs';

const route = process.argv[2] ?? 'health';
const requests = Number(process.argv[3] ?? 2000);
const INSPECTOR_PORT = 9339;
const WEBHOOK_SECRET = 'whsec_profile_secret';
const root = new URL('..', import.meta.url).pathname;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Records a profile of the user worker (not Miniflare's own workers) while `load` runs. */
async function profileWhile(load: () => Promise<void>): Promise<Profile> {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as {
    title: string;
    webSocketDebuggerUrl: string;
  }[];
  const target = targets.find((t) => t.title.includes('core:user'));
  if (!target) throw new Error(`no user worker among ${targets.map((t) => t.title).join(', ')}`);
  // Node 20's WebSocket client (package.json runs this with --experimental-websocket).
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const waiting = new Map<number, (result: unknown) => void>();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  let nextId = 0;
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve as (result: unknown) => void);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 50 });
  await send('Profiler.start');
  await load();
  const { profile } = await send<{ profile: Profile }>('Profiler.stop');
  socket.close();
  return profile;
}

/** "function file:line" in the TypeScript (or the package) the sampled code came from. */
function namer() {
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      try {
        maps.set(file, new SourceMap(JSON.parse(readFileSync(join(root, 'dist', `${file}.map`), 'utf8'))));
      } catch {
        maps.set(file, null);
      }
    }
    return maps.get(file);
  };
  return (frame: CallFrame) => {
    const file = /(chunks\/[^/]+\.js|[^/]+\.js)$/.exec(frame.url)?.[1];
    const map = file ? mapOf(file) : null;
    if (map && frame.lineNumber >= 0) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
        originalSource?: string;
        originalLine?: number;
        name?: string;
      };
      if (entry.originalSource) {
        const source = entry.originalSource.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, '');
        return `${entry.name ?? (frame.functionName || '(anonymous)')} ${source}:${(entry.originalLine ?? 0) + 1}`;
      }
    }
    return `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() || '(native)'}`;
  };
}

function summarise(profile: Profile, count: number) {
  const name = namer();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const hits = new Map<number, number>();
  for (const sample of profile.samples) hits.set(sample, (hits.get(sample) ?? 0) + 1);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, n] of hits) {
    self.set(name(byId.get(id)!.callFrame), (self.get(name(byId.get(id)!.callFrame)) ?? 0) + n);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const key = name(byId.get(at)!.callFrame);
      if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + n);
      seen.add(key);
    }
  }
  const microsPerRequest = (n: number) =>
    (((n / profile.samples.length) * (profile.endTime - profile.startTime)) / count).toFixed(1).padStart(8);
  const top = (table: Map<string, number>, rows: number) =>
    [...table]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([key, n]) => `${microsPerRequest(n)}  ${key}`)
      .join('\n');
  console.log(`\n${route}: ${count} requests, ${profile.samples.length} samples; µs per request`);
  console.log(`-- self time --\n${top(self, 25)}`);
  console.log(`-- inclusive time --\n${top(inclusive, 40)}`);
}

const { outdir } = buildBundle(); // also writes dist/ with the source maps read above
const bindings = {
  APP_ENV: 'test',
  APP_URL: 'http://app.localhost',
  API_URL: 'http://profile.localhost',
  JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')),
  EMAIL_PROVIDER: 'log',
  STRIPE_SECRET_KEY: 'sk_test_profile',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_PRICE_IDS: 'price_profile',
};
const { mf, url } = await startLocalWorker(outdir, bindings, { inspectorPort: INSPECTOR_PORT });
try {
  const registered = await fetch(new URL('/api/auth/register', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '10.9.9.9' },
    body: JSON.stringify({ email: `profile-${Date.now()}@example.com`, password: 'mauve-orbit-tundra-42' }),
  });
  const { access_token: token, user } = (await registered.json()) as { access_token: string; user: { id: string } };
  const signer = new Stripe('sk_test_profile_signer');
  let created = Math.floor(Date.now() / 1000);
  const call = (): Promise<Response> => {
    if (route === 'me') return fetch(new URL('/api/me', url), { headers: { Authorization: `Bearer ${token}` } });
    if (route === 'webhook') {
      const payload = JSON.stringify({
        id: `evt_profile_${created}`,
        object: 'event',
        created: created++,
        type: 'customer.subscription.updated',
        data: {
          object: {
            id: 'sub_profile',
            customer: 'cus_profile',
            status: 'active',
            metadata: { user_id: user.id },
            items: { data: [{ current_period_end: created + 86_400, price: { id: 'price_profile' } }] },
          },
        },
      });
      const signature = signer.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      return fetch(new URL('/api/webhooks/stripe', url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
        body: payload,
      });
    }
    return fetch(new URL('/api/health', url));
  };
  const load = async (count: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (started < count) {
          started++;
          const response = await call();
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`${route}: ${response.status}`);
        }
      }),
    );
  };
  await load(200); // warm-up: lazy modules, caches, JIT
  summarise(await profileWhile(() => load(requests)), requests);
} finally {
  await mf.dispose();
  rmSync(outdir, { recursive: true, force: true });
}
