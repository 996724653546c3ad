// Verifies an OpenID Connect ID token (Google, generic OIDC) and reads the identity from it.
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { plainDisplayName } from '../../lib/display-name';
import type { ProviderIdentity } from './identity';

/** Asymmetric algorithms only: an ID token signed with HS256 would use our client secret as key. */
const ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

// Remote key sets by JWKS URL. jose caches the fetched keys inside each set (with a cooldown
// against refetch storms); keeping the set per isolate is what makes that cache useful.
const remoteKeySets = new Map<string, JWTVerifyGetKey>();

export function remoteKeySet(jwksUrl: string): JWTVerifyGetKey {
  let keys = remoteKeySets.get(jwksUrl);
  if (!keys) {
    keys = createRemoteJWKSet(new URL(jwksUrl));
    remoteKeySets.set(jwksUrl, keys);
  }
  return keys;
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
}): Promise<ProviderIdentity> {
  let payload;
  try {
    ({ payload } = await jwtVerify(input.idToken, input.keys, {
      issuer: input.issuer,
      audience: input.clientId,
      algorithms: ID_TOKEN_ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (err) {
    throw new IdTokenError(`ID token rejected: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (payload.nonce !== input.nonce) throw new IdTokenError('ID token nonce does not match');
  const email = typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : null;
  // Some providers send email_verified as the string "true".
  const emailVerified = payload.email_verified === true || payload.email_verified === 'true';
  return {
    providerUserId: String(payload.sub),
    email,
    emailVerified: email !== null && emailVerified,
    name: plainDisplayName(payload.name),
  };
}
