// Verifies an OpenID Connect ID token (Google, generic OIDC) and reads the identity from its claims.
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { plainDisplayName } from '../../lib/display-name';
import type { ProviderIdentity } from './identity';

/**
 * Asymmetric algorithms only, never `none` or HS*: an ID token signed with HS256 would use our client
 * secret as its key. A provider's `id_token_signing_alg_values_supported` narrows this list.
 */
export const ID_TOKEN_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** The algorithms a provider advertises that we accept; all of ours when it advertises none. */
export function idTokenAlgorithms(advertised: unknown): string[] {
  if (!Array.isArray(advertised)) return ID_TOKEN_ALGORITHMS;
  return ID_TOKEN_ALGORITHMS.filter((alg) => advertised.includes(alg));
}

/**
 * jose refetches a JWKS for an unknown `kid` only after its 30-second cooldown, so an ID token signed
 * by a key the provider has just rotated in would be refused for up to 30 s. We allow one reload
 * inside the cooldown too, but at most once per this many ms per key set, so tokens with made-up
 * `kid`s cannot make us fetch the JWKS per request.
 */
export const UNKNOWN_KID_RELOAD_INTERVAL_MS = 5_000;

interface ReloadableKeySet {
  keys: ReturnType<typeof createRemoteJWKSet>;
  lastForcedReload: number;
}

// Remote key sets by JWKS URL. jose caches the fetched keys inside each set (with a cooldown
// against refetch storms); keeping the set per isolate is what makes that cache useful.
const remoteKeySets = new Map<string, ReloadableKeySet>();

export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  let set = remoteKeySets.get(jwksUrl);
  if (!set) {
    set = { keys: createRemoteJWKSet(new URL(jwksUrl)), lastForcedReload: -Infinity };
    remoteKeySets.set(jwksUrl, set);
  }
  const { keys } = set;
  const reloadable = set;
  return async (header, token) => {
    try {
      return await keys(header, token);
    } catch (err) {
      const now = Date.now();
      // Outside the cooldown jose has already refetched for this kid: the key really is unknown.
      const mayReload =
        err instanceof errors.JWKSNoMatchingKey &&
        keys.coolingDown &&
        now - reloadable.lastForcedReload >= UNKNOWN_KID_RELOAD_INTERVAL_MS;
      if (!mayReload) throw err;
      reloadable.lastForcedReload = now;
      await keys.reload();
      return keys(header, token);
    }
  };
}

export class IdTokenError extends Error {
  override name = 'IdTokenError';
}

/** Signature against the provider's JWKS, `iss`, `aud` (our client id), `exp`, and the nonce we sent. */
export async function verifyIdToken(input: {
  idToken: string;
  keys: JWTVerifyGetKey;
  issuer: string | string[];
  clientId: string;
  nonce: string;
  algorithms?: string[];
}): Promise<JWTPayload> {
  const algorithms = input.algorithms ?? ID_TOKEN_ALGORITHMS;
  if (algorithms.length === 0) throw new IdTokenError('the provider advertises no ID token algorithm we accept');
  let payload;
  try {
    ({ payload } = await jwtVerify(input.idToken, input.keys, {
      issuer: input.issuer,
      audience: input.clientId,
      algorithms,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (err) {
    throw new IdTokenError(`ID token rejected: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (payload.nonce !== input.nonce) throw new IdTokenError('ID token nonce does not match');
  return payload;
}

/** The identity in a set of OpenID Connect claims (an ID token's, or those merged with userinfo's). */
export function identityFromClaims(claims: Record<string, unknown>): ProviderIdentity {
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null;
  // Some providers send email_verified as the string "true".
  const emailVerified = claims.email_verified === true || claims.email_verified === 'true';
  return {
    providerUserId: String(claims.sub),
    email,
    emailVerified: email !== null && emailVerified,
    name: plainDisplayName(claims.name),
  };
}
