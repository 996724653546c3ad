// The three sign-in providers behind one shape: where to send the user, and who came back.
import { OAuth2Client, type OAuth2Tokens } from 'arctic';
import type { Config } from '../../config';
import { fetchGitHubIdentity } from './github';
import { identityFromClaims, idTokenAlgorithms, remoteKeySet, verifyIdToken } from './id-token';
import { PROVIDER_NAMES, type ProviderIdentity, type ProviderName } from './identity';
import { discoverOidc } from './oidc-discovery';
import { clientAuthMethod, pushAuthorizationRequest, requestTokens, type ClientCredentials } from './token-request';
import { fetchUserinfo } from './userinfo';

export interface ProviderEndpoints {
  authorizationUrl: string;
  tokenUrl: string;
  /** The issuer an authorization response's `iss` (RFC 9207) must equal, when the provider has one. */
  issuer: string | null;
  /** The provider advertises RFC 9207: its authorization responses must carry `iss`. */
  sendsIssuer: boolean;
}

export interface OAuthProvider {
  name: ProviderName;
  client: OAuth2Client;
  scopes: string[];
  /** `refresh` asks for the endpoints again (a discovery document may have moved them). */
  endpoints(options?: { refresh?: boolean }): Promise<ProviderEndpoints>;
  /** The authorization-code grant at `tokenUrl`. */
  exchangeCode(tokenUrl: string, code: string, verifier: string): Promise<OAuth2Tokens>;
  /** RFC 9126, where the provider requires it: the `request_uri` standing for these parameters; else null. */
  pushAuthorizationRequest?(params: URLSearchParams): Promise<string | null>;
  identify(tokens: OAuth2Tokens, nonce: string): Promise<ProviderIdentity>;
}

export function callbackUrl(config: Config, name: ProviderName): string {
  return `${config.apiUrl}/api/auth/oauth/${name}/callback`;
}

/** The providers whose settings are set, so a sign-in page shows only buttons that work. */
export function configuredProviders(config: Config): ProviderName[] {
  return PROVIDER_NAMES.filter((name) => config[name] !== null);
}

/** The provider, or null when its settings are absent (then its routes answer PROVIDER_NOT_CONFIGURED). */
export function oauthProvider(config: Config, name: ProviderName): OAuthProvider | null {
  // arctic's OAuth2Client (not its provider classes) so that every flow, GitHub's included, uses
  // PKCE, and endpoints can point at local servers in tests.
  if (name === 'google' && config.google) {
    const google = config.google;
    const client = new OAuth2Client(google.clientId, google.clientSecret, callbackUrl(config, name));
    return {
      name,
      client,
      scopes: ['openid', 'email', 'profile'],
      endpoints: async () => ({
        authorizationUrl: google.authorizationUrl,
        tokenUrl: google.tokenUrl,
        issuer: null,
        sendsIssuer: false,
      }),
      exchangeCode: (tokenUrl, code, verifier) => client.validateAuthorizationCode(tokenUrl, code, verifier),
      identify: async (tokens, nonce) => {
        const claims = await verifyIdToken({
          idToken: tokens.idToken(),
          keys: remoteKeySet(google.jwksUrl),
          // Google issues both forms of its issuer (OpenID Connect docs, "Validating an ID token").
          issuer:
            google.issuer === 'https://accounts.google.com' ? [google.issuer, 'accounts.google.com'] : google.issuer,
          clientId: google.clientId,
          nonce,
        });
        return identityFromClaims(claims);
      },
    };
  }
  if (name === 'github' && config.github) {
    const github = config.github;
    const client = new OAuth2Client(github.clientId, github.clientSecret, callbackUrl(config, name));
    return {
      name,
      client,
      scopes: ['read:user', 'user:email'],
      endpoints: async () => ({
        authorizationUrl: github.authorizationUrl,
        tokenUrl: github.tokenUrl,
        issuer: null,
        sendsIssuer: false,
      }),
      exchangeCode: (tokenUrl, code, verifier) => client.validateAuthorizationCode(tokenUrl, code, verifier),
      identify: (tokens) => fetchGitHubIdentity(github.apiUrl, tokens.accessToken()),
    };
  }
  if (name === 'oidc' && config.oidc) {
    const oidc = config.oidc;
    // The client authentication the provider's discovery asks for (OIDC_TOKEN_AUTH_METHOD forces one),
    // with the credentials encoded as RFC 6749 §2.3.1 requires: our own requests, not arctic's.
    const credentials = async (): Promise<ClientCredentials> => ({
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      method:
        oidc.tokenAuthMethod ??
        clientAuthMethod((await discoverOidc(oidc.issuer)).token_endpoint_auth_methods_supported),
    });
    return {
      name,
      client: new OAuth2Client(oidc.clientId, oidc.clientSecret, callbackUrl(config, name)),
      scopes: ['openid', 'email', 'profile'],
      endpoints: async (options) => {
        const discovery = await discoverOidc(oidc.issuer, options);
        return {
          authorizationUrl: discovery.authorization_endpoint,
          tokenUrl: discovery.token_endpoint,
          issuer: discovery.issuer,
          sendsIssuer: discovery.authorization_response_iss_parameter_supported === true,
        };
      },
      exchangeCode: async (tokenUrl, code, verifier) =>
        requestTokens({
          tokenUrl,
          code,
          verifier,
          redirectUri: callbackUrl(config, name),
          client: await credentials(),
        }),
      pushAuthorizationRequest: async (params) => {
        const discovery = await discoverOidc(oidc.issuer);
        // Only where the provider requires it: it costs a round trip before the redirect.
        const parUrl = discovery.pushed_authorization_request_endpoint;
        if (discovery.require_pushed_authorization_requests !== true || parUrl === undefined) return null;
        return pushAuthorizationRequest(parUrl, params, await credentials());
      },
      identify: async (tokens, nonce) => {
        const discovery = await discoverOidc(oidc.issuer);
        const idToken = await verifyIdToken({
          idToken: tokens.idToken(),
          keys: remoteKeySet(discovery.jwks_uri),
          issuer: discovery.issuer,
          clientId: oidc.clientId,
          nonce,
          algorithms: idTokenAlgorithms(discovery.id_token_signing_alg_values_supported),
        });
        // Many providers leave the email claims out of the ID token and serve them from userinfo
        // (Core §5.4). Email and its verification are taken together from one source, never mixed.
        const hasEmailClaims = idToken.email !== undefined && idToken.email_verified !== undefined;
        if (hasEmailClaims || discovery.userinfo_endpoint === undefined) return identityFromClaims(idToken);
        const userinfo = await fetchUserinfo(discovery.userinfo_endpoint, tokens.accessToken(), String(idToken.sub));
        return identityFromClaims({
          sub: idToken.sub,
          email: userinfo.email,
          email_verified: userinfo.email_verified,
          name: idToken.name ?? userinfo.name,
        });
      },
    };
  }
  return null;
}
