// `npm run dev [-- wrangler dev arguments]`: the set-up (scripts/setup-dev.mjs), then `wrangler dev`
// with API_URL following --port (scripts/lib/dev-port.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { persistToArgs, withExplicitPort, wranglerDevArgs } from './lib/dev-port.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const devArgs = process.argv.slice(2);
const setup = spawnSync(process.execPath, [`${root}scripts/setup-dev.mjs`, ...persistToArgs(devArgs)], {
  cwd: root,
  stdio: 'inherit',
});
if (setup.status !== 0) process.exit(setup.status ?? 1);

const { args, notice } = wranglerDevArgs(withExplicitPort(devArgs), readFileSync(`${root}.dev.vars`, 'utf8'));
if (notice) console.log(notice);
const wrangler = spawn('npx', ['wrangler', 'dev', ...args], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => wrangler.kill(signal));
wrangler.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
