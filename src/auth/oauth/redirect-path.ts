// Validates `redirect_to`: only a relative path on the front end, never a way off-site.
// Control characters (CR/LF splitting, NUL) and backslashes (browsers read `/\` as `//`).
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;
const MAX_LENGTH = 1024;

function looksSafe(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !CONTROL_OR_BACKSLASH.test(path);
}

/** The path, query and fragment `value` resolves to on APP_URL's origin, or null when it leaves it (or is no URL). */
function resolveOnApp(value: string, appUrl: string): string | null {
  let resolved: URL;
  try {
    resolved = new URL(value, appUrl);
  } catch {
    return null; // `///`, `http://`...
  }
  if (resolved.origin !== new URL(appUrl).origin) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/**
 * `value` and every layer of its percent-decoding (a front-end router may decode again before
 * navigating) look like a path on this site, both as written and once its `.` and `..` segments are
 * resolved (`/..//evil` resolves to `//evil`).
 */
function staysOnSite(value: string, appUrl: string): boolean {
  let layer = value;
  for (let i = 0; i < 4; i++) {
    if (!looksSafe(layer)) return false;
    const resolved = resolveOnApp(layer, appUrl);
    if (resolved === null || !looksSafe(resolved)) return false;
    let next: string;
    try {
      next = decodeURIComponent(layer);
    } catch {
      return false;
    }
    if (next === layer) return true;
    layer = next;
  }
  return false;
}

/**
 * The path to send the user to after sign-in, or null when `value` could leave APP_URL:
 * `//evil`, `https://evil`, `/\evil`, `/..//evil`, and percent-encoded forms of them are all
 * refused. The answer is the resolved path, so it is checked again unchanged at the callback.
 * A missing value means `/`.
 */
export function safeRedirectPath(value: string | undefined, appUrl: string): string | null {
  if (value === undefined || value === '') return '/';
  if (value.length > MAX_LENGTH || !staysOnSite(value, appUrl)) return null;
  return resolveOnApp(value, appUrl);
}
