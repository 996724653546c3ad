// A new MFA_ENCRYPTION_KEYS entry: `<id>:<32 random bytes, base64url>` (src/mfa/secret-box.ts reads it).
// Web APIs only, so Node scripts and the tests' workers both run it.

const base64url = (bytes) =>
  globalThis
    .btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/**
 * The id names the key's day (so a ring of several says which is newer) and has a random tail, so
 * two keys made on one day never share an id.
 */
export function generateMfaEncryptionKey(now = new Date()) {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  const tail = base64url(crypto.getRandomValues(new Uint8Array(3))).replace(/[-_]/g, 'x');
  return `k${day}${tail}:${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}
