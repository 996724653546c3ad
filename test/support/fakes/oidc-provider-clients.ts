// The clients registered at every local oidc-provider instance (test/support/fakes/oidc-provider.ts),
// shared with the workers-side helpers (test/support/oidc-provider.ts). No Node-only imports here:
// workerd loads this file too.
import { TEST_API_URL } from '../settings';

/** Liftoff's callback for the generic provider (src/auth/oauth/providers.ts callbackUrl, API_URL = TEST_API_URL). */
export const OIDCP_REDIRECT_URI = `${TEST_API_URL}/api/auth/oauth/oidc/callback`;

/** Every ID token signing algorithm the instances offer (oidc-provider 9 names Ed25519 both 'EdDSA' and 'Ed25519'). */
export const OIDCP_ID_TOKEN_ALGS = [
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
] as const;
export type OidcpIdTokenAlg = (typeof OIDCP_ID_TOKEN_ALGS)[number];

/**
 * `basic`: client_secret_basic (oidc-provider's default), ID tokens RS256.
 * `post`: registered for client_secret_post only. oidc-provider itself accepts either transport for a
 *   secret; the fake refuses Basic credentials for this client (401 invalid_client), as strict providers do.
 * `special-secret`: client_secret_basic with a secret holding `+ / = %` (and `%2F`, `%41`, which decode
 *   to something else if the secret is not form-urlencoded before Basic, RFC 6749 §2.3.1).
 * `alg:<ALG>`: client_secret_basic, ID tokens signed with ALG (id_token_signed_response_alg).
 */
export type OidcpClient = 'basic' | 'post' | 'special-secret' | `alg:${OidcpIdTokenAlg}`;

export interface OidcpClientMetadata {
  client_id: string;
  client_secret: string;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post';
  id_token_signed_response_alg: OidcpIdTokenAlg;
}

const SECRET = 'oidcp-client-secret-0123456789abcdef';
export const OIDCP_SPECIAL_SECRET = 'Sp3c+ial/Secret==with%41%2F+%25end';

export const OIDCP_CLIENTS: Record<OidcpClient, OidcpClientMetadata> = {
  basic: {
    client_id: 'liftoff-oidcp-basic',
    client_secret: SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  post: {
    client_id: 'liftoff-oidcp-post',
    client_secret: SECRET,
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  },
  'special-secret': {
    client_id: 'liftoff-oidcp-special-secret',
    client_secret: OIDCP_SPECIAL_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  ...(Object.fromEntries(
    OIDCP_ID_TOKEN_ALGS.map((alg) => [
      `alg:${alg}`,
      {
        client_id: `liftoff-oidcp-alg-${alg}`,
        client_secret: SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: alg,
      },
    ]),
  ) as Record<`alg:${OidcpIdTokenAlg}`, OidcpClientMetadata>),
};

/** What a test chooses about the end-user who logs in at the provider. */
export interface OidcpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** Options for a fresh instance (POST <TEST_OIDCP_CONTROL_URL>/__fake/providers). */
export interface OidcpInstanceOptions {
  /** features.pushedAuthorizationRequests.requirePushedAuthorizationRequests. */
  par?: boolean;
  /** conformIdTokenClaims: false, so the claims of the granted scopes are in the ID token too. */
  claimsInIdToken?: boolean;
  /** The issuer ends with `/` (as Auth0's does). */
  trailingSlash?: boolean;
  /** An issuer with a path, e.g. '/realms/liftoff' (Keycloak's shape). */
  path?: string;
  /**
   * The token endpoint auth methods discovery advertises (clientAuthMethods); only the clients
   * registered with one of them exist there. E.g. ['client_secret_post'] for a post-only provider.
   */
  authMethods?: ('client_secret_basic' | 'client_secret_post')[];
}

/** A request an instance received (GET <issuer>/__fake/requests), oldest first. */
export interface OidcpRequestRecord {
  method: string;
  /** Below the issuer's path: '/token', '/me', '/request' (PAR), '/auth', '/jwks'... */
  path: string;
  query: Record<string, string>;
  /** The scheme of the Authorization header ('basic', 'bearer'), or null. */
  authorization: string | null;
}
