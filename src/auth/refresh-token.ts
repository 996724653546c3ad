// The refresh token's format: `<session id>.<generation>.<session secret>.<secret>`, opaque to clients.
//
// The session row keeps the hash of the session secret (fixed for the session's life), the current
// generation and the hashes of its secret and of those replaced in the last REUSE_GRACE_MS. So a
// session is one row however often it refreshes, and a presented token is one of: the current one
// (rotate it), one replaced less than REUSE_GRACE_MS ago (a racing tab), or an older one of this
// session (theft: its session secret proves it was issued, so knowing a session id, which access
// tokens carry, is not enough to end someone's session). Tokens issued before this format (43 base64url characters, kept in
// refresh_tokens) are accepted until they rotate.
import { randomToken, sha256Base64Url } from '../lib/crypto';

export type PresentedRefreshToken =
  | { format: 'session'; sessionId: string; generation: number; sessionSecret: string; secret: string }
  | { format: 'legacy'; token: string };

const SECRET = '[A-Za-z0-9_-]{43}';
const SESSION_TOKEN = new RegExp(`^([a-z2-7]{24})\\.(0|[1-9][0-9]{0,8})\\.(${SECRET})\\.(${SECRET})$`);
const LEGACY_TOKEN = new RegExp(`^${SECRET}$`);

/** The token's parts, or null when it cannot be one of ours (refused without reading D1). */
export function parseRefreshToken(token: string): PresentedRefreshToken | null {
  const parts = SESSION_TOKEN.exec(token);
  if (parts) {
    const [, sessionId, generation, sessionSecret, secret] = parts as unknown as [
      string,
      string,
      string,
      string,
      string,
    ];
    return { format: 'session', sessionId, generation: Number(generation), sessionSecret, secret };
  }
  return LEGACY_TOKEN.test(token) ? { format: 'legacy', token } : null;
}

export function formatRefreshToken(sessionId: string, generation: number, sessionSecret: string, secret: string) {
  return `${sessionId}.${generation}.${sessionSecret}.${secret}`;
}

/** Secrets are 256 random bits each; only their SHA-256 is stored. */
export const newRefreshSecret = () => randomToken(32);
export const hashRefreshSecret = (secret: string) => sha256Base64Url(secret);
