// Start-up time as the bench reports it: a fresh workerd process is spawned on a bundle and timed
// until it answers its first request; the same for a one-line Worker is subtracted, leaving what
// the bundle's own parsing and top-level evaluation (and its first request) add. Plain workerd with
// a generated config: no Miniflare between the spawn and the answer.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { freePort } from './free-port';

const workerdBinary = createRequire(import.meta.url).resolve('workerd/bin/workerd');
const START_UP_DEADLINE_MS = 20_000;

function listModules(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listModules(full, base);
    return entry.name.endsWith('.js') ? [relative(base, full)] : [];
  });
}

/** workerd's config for the bundle in `dir` (main module `index.js`), with text bindings. */
function capnpConfig(dir: string, port: number, bindings: Record<string, string>, compatibility: Compatibility) {
  const modules = listModules(dir).sort((a, b) => Number(b === 'index.js') - Number(a === 'index.js'));
  const quote = (text: string) => JSON.stringify(text);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [${modules.map((m) => `(name = ${quote(m)}, esModule = embed ${quote(m)})`).join(', ')}],
    compatibilityDate = ${quote(compatibility.date)},
    compatibilityFlags = [${compatibility.flags.map(quote).join(', ')}],
    bindings = [${Object.entries(bindings)
      .map(([name, text]) => `(name = ${quote(name)}, text = ${quote(text)})`)
      .join(', ')}],
  ))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`;
}

export interface Compatibility {
  date: string;
  flags: string[];
}

/**
 * Milliseconds from spawning workerd on the bundle in `dir` to the end of its answer to GET `path`,
 * which must have status `expectStatus` (a 500 from a broken setting is not a start-up).
 */
export async function spawnToFirstResponseMs(
  dir: string,
  path: string,
  expectStatus: number,
  bindings: Record<string, string>,
  compatibility: Compatibility,
): Promise<number> {
  const port = await freePort();
  // `embed` paths are relative to the config file: it goes next to the bundle's modules.
  const configPath = join(dir, '.start-up.capnp');
  writeFileSync(configPath, capnpConfig(dir, port, bindings, compatibility));
  const started = performance.now();
  const child = spawn(workerdBinary, ['serve', configPath], { stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode} on ${dir}`);
      if (performance.now() - started > START_UP_DEADLINE_MS) throw new Error(`workerd did not answer on ${dir}`);
      let response: Response;
      try {
        response = await fetch(`http://127.0.0.1:${port}${path}`);
      } catch {
        // Not listening yet: try again soon (not in a tight loop, which would compete for the CPU).
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      await response.arrayBuffer();
      const elapsed = performance.now() - started;
      if (response.status !== expectStatus)
        throw new Error(`${dir} answered its first request with ${response.status}, not ${expectStatus}`);
      return elapsed;
    }
  } finally {
    child.kill();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(configPath, { force: true });
  }
}

/** A directory holding a Worker that answers every request with one line (a 404, as the others do): the zero of start-up. */
export function oneLineWorker(): string {
  const dir = mkdtempSync(join(tmpdir(), 'liftoff-one-line-'));
  writeFileSync(join(dir, 'index.js'), "export default { fetch: () => new Response('not found', { status: 404 }) };\n");
  return dir;
}
