// A new MFA_ENCRYPTION_KEYS entry: `<id>:<32 random bytes, base64url>` (src/mfa/secret-box.ts reads it).
// Web APIs only, so Node scripts and the tests' workers both run it.

/** The id names the key's day, so a ring of several says which is newer. */
export function generateMfaEncryptionKey(now = new Date()) {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = globalThis
    .btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return `k${now.toISOString().slice(0, 10).replaceAll('-', '')}:${key}`;
}
