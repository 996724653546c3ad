/** Where to go after signing in: a path of this site only (never `//other.site` or `/\other.site`). */
export function safeNextPath(value: string | string[] | undefined, fallback = '/account'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return fallback;
  }
  return value;
}
