// Imports the JWT keys from the settings once per isolate: the signing key, the verification keys by kid, the JWKS.
import { importJWK, type JWK } from 'jose';
import type { JwtSettings } from '../config';
import { sha256Base64Url } from '../lib/crypto';
import { cachedPromise } from '../lib/promise-cache';

export type AccessTokenAlgorithm = 'ES256' | 'EdDSA' | 'HS256';

interface KeyEntry {
  kid: string;
  alg: AccessTokenAlgorithm;
  key: CryptoKey;
}

export interface KeyRing {
  signing: KeyEntry;
  verifying: Map<string, KeyEntry>;
  algorithms: AccessTokenAlgorithm[];
  /** Public keys only: what /.well-known/jwks.json serves (empty in HS256 mode). */
  publicJwks: JWK[];
}

// Imported CryptoKeys are derived, immutable values; caching them per settings object spares every
// request the import cost (the settings object itself is cached per bindings in config.ts).
const keyRings = new WeakMap<JwtSettings, Promise<KeyRing>>();

export function getKeyRing(settings: JwtSettings): Promise<KeyRing> {
  // A failed import is not kept for the isolate's lifetime.
  return cachedPromise(keyRings, settings, () => buildKeyRing(settings));
}

async function buildKeyRing(settings: JwtSettings): Promise<KeyRing> {
  if (settings.kind === 'hmac') {
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(settings.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    // A stable kid that reveals nothing usable: a prefix of the secret's SHA-256.
    const entry: KeyEntry = { kid: `hs256-${(await sha256Base64Url(settings.secret)).slice(0, 8)}`, alg: 'HS256', key };
    return { signing: entry, verifying: new Map([[entry.kid, entry]]), algorithms: ['HS256'], publicJwks: [] };
  }
  const verifying = new Map<string, KeyEntry>();
  const publicJwks: JWK[] = [];
  for (const jwk of settings.keys) {
    const publicJwk: JWK = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid: jwk.kid, alg: jwk.alg, use: 'sig' };
    if (jwk.y !== undefined) publicJwk.y = jwk.y;
    const key = (await importJWK(publicJwk, jwk.alg)) as CryptoKey;
    verifying.set(jwk.kid, { kid: jwk.kid, alg: jwk.alg, key });
    publicJwks.push(publicJwk);
  }
  const first = settings.keys[0]!;
  const signingKey = (await importJWK({ ...first }, first.alg)) as CryptoKey;
  return {
    signing: { kid: first.kid, alg: first.alg, key: signingKey },
    verifying,
    algorithms: [...new Set(settings.keys.map((key) => key.alg))],
    publicJwks,
  };
}
