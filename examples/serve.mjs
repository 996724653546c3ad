// Serves examples/frontend on its own origin: `node examples/serve.mjs [port]` (default 3000), with
// @liftoff/client (client/) bundled for the browser as /liftoff-client.js.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('./frontend/', import.meta.url));
const clientEntry = fileURLToPath(new URL('../client/src/index.ts', import.meta.url));

/** The client package as one browser module (what a front end's bundler makes of it). */
async function bundledClient() {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [clientEntry],
    bundle: true,
    format: 'esm',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].contents;
}
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** A static server for the example page; returns the server once it listens. */
export function serveExample(port = 3000, host = '127.0.0.1') {
  const server = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    if (path === 'liftoff-client.js') {
      res.writeHead(200, { 'Content-Type': types['.js'] });
      return res.end(await bundledClient());
    }
    const file = join(root, path);
    if (!file.startsWith(root)) return res.writeHead(404).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 3000);
  await serveExample(port, 'localhost');
  console.log(`example front end on http://localhost:${port} (add ?api=http://localhost:8787 to point it elsewhere)`);
}
