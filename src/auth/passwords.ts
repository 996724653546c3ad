// Password hashing (scrypt via node:crypto), checking, upgrading, and the common-password rule.
import { scrypt } from 'node:crypto';
import { constantTimeEqual, fromBase64, randomBytes, toBase64 } from '../lib/crypto';
import { cachedPromise } from '../lib/promise-cache';

export interface ScryptParams {
  logN: number;
  r: number;
  p: number;
}

/** OWASP's scrypt minimum (N=2^14, r=8, p=5): 16 MiB and a few tens of ms, within Workers' limits. */
export const CURRENT_PARAMS: ScryptParams = { logN: 14, r: 8, p: 5 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const HASH_FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * A real hash of a random password with the current parameters. Logins for unknown emails verify
 * against it, so they cost the same scrypt work as a wrong password and can't be told apart by time.
 */
export const DUMMY_PASSWORD_HASH =
  '$scrypt$ln=14,r=8,p=5$ZCPqQu2E61zTX2wgEEc5oQ==$AQ92CMcPXhG03KUtxeHKki8LhesMSbq0L3+8zaoIJew=';

function derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const N = 2 ** params.logN;
  // Node's default maxmem (32 MiB) is too tight for some stronger settings; 128·N·r is the real need.
  const maxmem = 128 * N * params.r * 2;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
}

/** `$scrypt$ln=14,r=8,p=5$<salt>$<hash>`: the parameters travel with the hash so they can be raised. */
export async function hashPassword(password: string, params: ScryptParams = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.logN},r=${params.r},p=${params.p}$${toBase64(salt)}$${toBase64(key)}`;
}

function parseHash(stored: string): { params: ScryptParams; salt: Uint8Array; key: Uint8Array } | null {
  const match = HASH_FORMAT.exec(stored);
  if (!match) return null;
  const [, logN, r, p, salt, key] = match;
  return { params: { logN: Number(logN), r: Number(r), p: Number(p) }, salt: fromBase64(salt!), key: fromBase64(key!) };
}

/** True when `password` matches `stored`; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params);
  return constantTimeEqual(key, parsed.key);
}

/** A hash made with weaker parameters than today's is replaced at the next successful login. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { logN, r, p } = parsed.params;
  return logN < CURRENT_PARAMS.logN || r < CURRENT_PARAMS.r || p < CURRENT_PARAMS.p;
}

// Loaded on first use: the list is its own module in the build, so start-ups that never check a new
// password don't parse it. One entry.
const commonPasswordSets = new Map<'top-10000', Promise<Set<string>>>();

/** True for passwords among the 10,000 most common ones (case-insensitive). */
export async function isCommonPassword(password: string): Promise<boolean> {
  const common = await cachedPromise(commonPasswordSets, 'top-10000', async () => {
    const list = await import('./common-passwords.json');
    return new Set(list.default as string[]);
  });
  return common.has(password.normalize('NFKC').toLowerCase());
}
