// `npm run dev -- --port 9000`: API_URL must name the port wrangler listens on (tokens carry it as their
// issuer; /admin and the cookie routes accept requests from it), so a loopback API_URL follows --port.

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const WRANGLER_DEFAULT_PORT = '8787';

/** `--persist-to <dir>` from wrangler dev's arguments (the migrations go where wrangler dev will look), else []. */
export function persistToArgs(args) {
  const index = args.findIndex((arg) => arg === '--persist-to' || arg.startsWith('--persist-to='));
  if (index === -1) return [];
  return args[index].includes('=') ? [args[index]] : args.slice(index, index + 2);
}

/**
 * The arguments with the port always named: without `--port`, wrangler dev quietly moves to another
 * port when 8787 is busy, while API_URL (the tokens' issuer) still says 8787. Named, it stops instead.
 */
export function withExplicitPort(args) {
  return args.some((arg) => arg === '--port' || arg.startsWith('--port='))
    ? args
    : [...args, '--port', WRANGLER_DEFAULT_PORT];
}

/** The value of `--port N` or `--port=N` in wrangler dev's arguments, else wrangler's default. */
export function listenPort(args) {
  for (const [index, arg] of args.entries()) {
    if (arg === '--port') return args[index + 1] ?? WRANGLER_DEFAULT_PORT;
    if (arg.startsWith('--port=')) return arg.slice('--port='.length);
  }
  return WRANGLER_DEFAULT_PORT;
}

/** API_URL as written in a .dev.vars file (dotenv syntax: optional quotes; the last line wins), or null. */
export function devVarsApiUrl(devVars) {
  const value = [...devVars.matchAll(/^API_URL=(.*)$/gm)].at(-1)?.[1]?.trim();
  return value ? value.replace(/^(['"])(.*)\1$/, '$2') : null;
}

/**
 * The arguments for `wrangler dev`: the user's, plus `--var API_URL:<url on the listening port>` when
 * API_URL is a loopback URL on another port (`--var` wins over .dev.vars). A non-loopback API_URL, or
 * one given with --var, is left alone: someone chose it. `notice` says what changed, for the console.
 */
export function wranglerDevArgs(args, devVars) {
  // An API_URL given on the command line (`--var API_URL:...`) is the user's choice: keep it.
  if (args.some((arg, index) => args[index - 1] === '--var' && arg.startsWith('API_URL:'))) {
    return { args, notice: null };
  }
  const configured = devVarsApiUrl(devVars);
  const port = listenPort(args);
  if (!configured || !URL.canParse(configured)) return { args, notice: null };
  const url = new URL(configured);
  const configuredPort = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (!LOOPBACK_HOSTS.has(url.hostname) || configuredPort === port) return { args, notice: null };
  url.port = port;
  const apiUrl = url.origin;
  return {
    args: [...args, '--var', `API_URL:${apiUrl}`],
    notice: `dev: API_URL follows --port: ${apiUrl} (.dev.vars says ${configured}); open the API and /admin there`,
  };
}
