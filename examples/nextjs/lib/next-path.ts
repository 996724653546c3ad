// Where to go after signing in (`/login?next=...`): a path of this site only, checked like the
// API's `redirect_to` (src/auth/oauth/redirect-path.ts).

// Browsers drop tab, CR and LF inside a URL and read `\` as `/`: `/<tab>/evil.example`,
// `/<LF>/evil.example` and `/\evil.example` all become `//evil.example`, another site. Any control
// character or backslash is refused.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;
// Any fixed origin does: only whether `value` stays on it matters, and it works on the server too
// (no `window.location` there).
const BASE = 'https://starter.invalid';

/** The path, query and fragment `value` resolves to on BASE, or null when it leaves it (or is no URL). */
function resolve(value: string): string | null {
  if (!value.startsWith('/') || CONTROL_OR_BACKSLASH.test(value)) return null;
  let resolved: URL;
  try {
    resolved = new URL(value, BASE);
  } catch {
    return null;
  }
  if (resolved.origin !== BASE || resolved.pathname.startsWith('//')) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/**
 * The path, query and fragment `value` resolves to on this site, or `fallback` when it could lead
 * elsewhere: `//evil.example`, `https://evil.example`, `/\evil.example`, `/%09/evil.example`,
 * `/..//evil.example` (its dot segments resolve to `//evil.example`, which the router would
 * prefetch and the browser follow). As the API does, every layer of percent-decoding must pass
 * too, in case something decodes the path once more before navigating.
 */
export function safeNextPath(value: string | string[] | undefined, fallback = '/account'): string {
  if (typeof value !== 'string' || value.length > 1024) return fallback;
  let layer = value;
  for (let i = 0; i < 4; i++) {
    if (resolve(layer) === null) return fallback;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return fallback;
    }
    if (decoded === layer) return resolve(value)!;
    layer = decoded;
  }
  return fallback;
}
