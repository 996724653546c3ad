// Prints, as JSON, the milliseconds V8 takes to parse and to evaluate a bundle's main module and its
// static imports, in this (fresh) Node process: `node --experimental-vm-modules
// scripts/lib/v8-module-cost.mjs dist/index.js`. V8 compiles functions lazily: "parse" is the
// pre-parse of the whole source, and compiling the functions that run is counted in "evaluate".
// The bench runs it in a child process per sample. Node 20's V8 is older than workerd's, so read
// the figures relative to each other; with no process to spawn they move less than workerd's.
// `node:` imports are served by Node's own modules (loading them is not counted).
// To see where evaluation goes: `node --experimental-vm-modules --cpu-prof scripts/lib/v8-module-cost.mjs <index.js>`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const main = process.argv[2];
const builtins = new Map();
for (const name of ['node:buffer', 'node:crypto', 'node:async_hooks', 'node:events', 'node:util'])
  builtins.set(name, await import(name));

let parseMs = 0;
const compiled = new Map();
function compile(path) {
  if (!compiled.has(path)) {
    const source = readFileSync(path, 'utf8');
    const started = performance.now();
    compiled.set(path, new vm.SourceTextModule(source, { identifier: path }));
    parseMs += performance.now() - started;
  }
  return compiled.get(path);
}

const synthetic = new Map();
function link(specifier, referencing) {
  const builtin = builtins.get(specifier);
  if (builtin) {
    if (!synthetic.has(specifier)) {
      const names = Object.keys(builtin);
      synthetic.set(
        specifier,
        new vm.SyntheticModule(names, function () {
          for (const name of names) this.setExport(name, builtin[name]);
        }),
      );
    }
    return synthetic.get(specifier);
  }
  if (!specifier.startsWith('.')) throw new Error(`unexpected import ${specifier}`);
  return compile(join(dirname(referencing.identifier), specifier));
}

const root = compile(main);
await root.link(link);
const started = performance.now();
await root.evaluate();
const evaluateMs = performance.now() - started;
console.log(JSON.stringify({ parseMs, evaluateMs }));
