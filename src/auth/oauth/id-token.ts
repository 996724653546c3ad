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
 * An ID token signed by a key the provider has just rotated in carries a `kid` we have not fetched:
 * the JWKS is fetched again for it at once, but at most once per this many ms per key set (callers
 * meanwhile share that one fetch), so tokens with unknown `kid`s cannot make us fetch it per request.
 * jose's own refetch-on-unknown-kid (after a 30 s cooldown) is switched off so that this is the only
 * one: one fetch per unknown `kid`, not two.
 */
export const UNKNOWN_KID_REFETCH_INTERVAL_MS = 5_000;
const JOSE_NO_UNKNOWN_KID_REFETCH = { cooldownDuration: 365 * 86_400_000 };

interface KeySet {
  keys: ReturnType<typeof createRemoteJWKSet>;
  lastRefetch: number;
  refetching: Promise<void> | null;
}

// Remote key sets by JWKS URL. jose caches the fetched keys inside each set (for 10 minutes, and
// fetches without following redirects); keeping the set per isolate is what makes that cache useful.
const remoteKeySets = new Map<string, KeySet>();

export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  let set = remoteKeySets.get(jwksUrl);
  if (!set) {
    set = {
      keys: createRemoteJWKSet(new URL(jwksUrl), JOSE_NO_UNKNOWN_KID_REFETCH),
      lastRefetch: -Infinity,
      refetching: null,
    };
    remoteKeySets.set(jwksUrl, set);
  }
  const current = set;
  return async (header, token) => {
    try {
      return await current.keys(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (!current.refetching) {
        if (Date.now() - current.lastRefetch < UNKNOWN_KID_REFETCH_INTERVAL_MS) throw err;
        current.lastRefetch = Date.now();
        current.refetching = current.keys.reload().finally(() => {
          current.refetching = null;
        });
      }
      await current.refetching;
      return current.keys(header, token);
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
