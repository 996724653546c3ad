// Scratch: a V8 CPU profile of the built Worker in workerd while it serves one route many times.
import WebSocket from 'ws';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { buildBundle } from '../scripts/lib/local-worker';
import { generateSigningKeySet } from '../scripts/lib/signing-keys.mjs';

const route = process.argv[2] ?? 'health';
const N = Number(process.argv[3] ?? 2000);
const root = new URL('..', import.meta.url).pathname;
const { outdir } = buildBundle();
const bindings = {
  APP_ENV: 'test', APP_URL: 'http://app.localhost', API_URL: 'http://bench.localhost',
  JWT_SIGNING_KEYS: JSON.stringify(await generateSigningKeySet('ES256')), EMAIL_PROVIDER: 'log',
};
const mf = new Miniflare({
  modules: true, scriptPath: join(outdir, 'index.js'), modulesRoot: outdir,
  modulesRules: [{ type: 'ESModule', include: ['**/*.js'] }],
  compatibilityDate: '2026-04-26', compatibilityFlags: ['nodejs_compat'],
  d1Databases: ['DB'], bindings, inspectorPort: 9339,
  handleRuntimeStdio(o, e) { o.resume(); e.resume(); },
});
const url = await mf.ready;
const db = await mf.getD1Database('DB');
for (const f of readdirSync(join(root, 'migrations')).filter((f) => f.endsWith('.sql')).sort()) {
  const st = readFileSync(join(root, 'migrations', f), 'utf8').split('--> statement-breakpoint').map((s) => s.trim()).filter(Boolean);
  await db.batch(st.map((s) => db.prepare(s)));
}
let headers: Record<string, string> = {};
if (route === 'me') {
  const r = await fetch(new URL('/api/auth/register', url), { method: 'POST', headers: { 'Content-Type': 'application/json', 'CF-Connecting-IP': '10.1.2.3' }, body: JSON.stringify({ email: `p${Date.now()}@example.com`, password: 'mauve-orbit-tundra-42' }) });
  headers = { Authorization: `Bearer ${((await r.json()) as { access_token: string }).access_token}` };
}
const path = route === 'me' ? '/api/me' : '/api/health';
for (let i = 0; i < 200; i++) await (await fetch(new URL(path, url), { headers })).arrayBuffer();
const targets = (await (await fetch('http://127.0.0.1:9339/json')).json()) as { id: string; title: string; webSocketDebuggerUrl: string }[];
console.log(targets.map((t) => t.title)); const target = targets.find((t) => process.argv[4] ? t.title.includes(process.argv[4]) : !t.title.includes('core:')) ?? targets[0]!; console.log('profiling', target.title);
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((r) => ws.once('open', r));
let id = 0;
const pending = new Map<number, (v: unknown) => void>();
ws.on('message', (m) => { const msg = JSON.parse(String(m)); if (msg.id && pending.has(msg.id)) { pending.get(msg.id)!(msg.result); pending.delete(msg.id); } });
const send = (method: string, params: object = {}) => new Promise<any>((r) => { const i = ++id; pending.set(i, r); ws.send(JSON.stringify({ id: i, method, params })); });
await send('Profiler.enable');
await send('Profiler.setSamplingInterval', { interval: 50 });
await send('Profiler.start');
const lanes = 8; let started = 0;
await Promise.all(Array.from({ length: lanes }, async () => { while (started < N) { started++; await (await fetch(new URL(path, url), { headers })).arrayBuffer(); } }));
const { profile } = await send('Profiler.stop');
ws.close();
await mf.dispose();
// Self time per function, and inclusive time per top-level bucket.
const maps = new Map<string, TraceMap>();
const mapFor = (file: string) => {
  if (!maps.has(file)) { try { maps.set(file, new TraceMap(readFileSync(join(root, 'dist', file + '.map'), 'utf8'))); } catch { maps.set(file, null as any); } }
  return maps.get(file);
};
const keyOf = (f: any) => {
  const file = f.url.split('/').slice(-2).join('/').replace(/^[^/]*\//, f.url.includes('chunks/') ? 'chunks/' : '');
  const m = f.url.endsWith('.js') ? mapFor(f.url.includes('chunks/') ? 'chunks/' + f.url.split('/').pop() : f.url.split('/').pop()) : null;
  if (m && f.lineNumber >= 0) {
    const pos = originalPositionFor(m, { line: f.lineNumber + 1, column: f.columnNumber });
    if (pos.source) return `${pos.name ?? f.functionName ?? '(anon)'} ${pos.source.replace(/^.*node_modules\//, '~/').replace(/^(\.\.\/)+/, '')}:${pos.line}`;
  }
  return `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
};
const nodes = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map<number, number>();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = profile.samples.length;
const self = new Map<string, number>();
const incl = new Map<string, number>();
for (const [nid, c] of counts) {
  const n = nodes.get(nid);
  const f = n.callFrame;
  const key = keyOf(f);
  self.set(key, (self.get(key) ?? 0) + c);
  const seen = new Set<string>();
  for (let cur: number | undefined = nid; cur !== undefined; cur = parent.get(cur)) {
    const cf = nodes.get(cur).callFrame;
    const k = keyOf(cf);
    if (seen.has(k)) continue; seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + c);
  }
}
const durUs = profile.endTime - profile.startTime;
console.log(`${route}: ${N} requests, ${total} samples over ${(durUs / 1000).toFixed(0)} ms; µs per request below`);
const perReq = (c: number) => ((c / total) * durUs / N).toFixed(1);
console.log('-- self time --');
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(perReq(c).padStart(7), k);
console.log('-- inclusive time --');
for (const [k, c] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(perReq(c).padStart(7), k);
