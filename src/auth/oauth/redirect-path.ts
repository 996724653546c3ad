// Validates `redirect_to`: only a relative path on the front end, never a way off-site.
// Control characters (CR/LF splitting, NUL) and backslashes (browsers read `/\` as `//`).
// eslint-disable-next-line no-control-regex
const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/;
const MAX_LENGTH = 1024;

function looksSafe(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !CONTROL_OR_BACKSLASH.test(path);
}

/**
 * The path to send the user to after sign-in, or null when `value` could leave APP_URL:
 * `//evil`, `https://evil`, `/\evil`, and percent-encoded forms of them are all refused.
 * A missing value means `/`.
 */
export function safeRedirectPath(value: string | undefined, appUrl: string): string | null {
  if (value === undefined || value === '') return '/';
  if (value.length > MAX_LENGTH || !looksSafe(value)) return null;
  // Check every decoding layer: a front-end router may decode again before navigating.
  let decoded = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return null;
    }
    if (!looksSafe(next)) return null;
    if (next === decoded) break;
    decoded = next;
  }
  const resolved = new URL(value, appUrl);
  if (resolved.origin !== new URL(appUrl).origin) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
