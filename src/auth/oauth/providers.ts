// The three sign-in providers behind one shape: where to send the user, and who came back.
import { OAuth2Client, type OAuth2Tokens } from 'arctic';
import type { Config } from '../../config';
import { fetchGitHubIdentity } from './github';
import { remoteKeySet, verifyIdToken } from './id-token';
import { PROVIDER_NAMES, type ProviderIdentity, type ProviderName } from './identity';
import { discoverOidc } from './oidc-discovery';

export interface OAuthProvider {
  name: ProviderName;
  client: OAuth2Client;
  scopes: string[];
  endpoints(): Promise<{ authorizationUrl: string; tokenUrl: string }>;
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
    return {
      name,
      client: new OAuth2Client(google.clientId, google.clientSecret, callbackUrl(config, name)),
      scopes: ['openid', 'email', 'profile'],
      endpoints: async () => ({ authorizationUrl: google.authorizationUrl, tokenUrl: google.tokenUrl }),
      identify: (tokens, nonce) =>
        verifyIdToken({
          idToken: tokens.idToken(),
          keys: remoteKeySet(google.jwksUrl),
          // Google issues both forms of its issuer (OpenID Connect docs, "Validating an ID token").
          issuer:
            google.issuer === 'https://accounts.google.com' ? [google.issuer, 'accounts.google.com'] : google.issuer,
          clientId: google.clientId,
          nonce,
        }),
    };
  }
  if (name === 'github' && config.github) {
    const github = config.github;
    return {
      name,
      client: new OAuth2Client(github.clientId, github.clientSecret, callbackUrl(config, name)),
      scopes: ['read:user', 'user:email'],
      endpoints: async () => ({ authorizationUrl: github.authorizationUrl, tokenUrl: github.tokenUrl }),
      identify: (tokens) => fetchGitHubIdentity(github.apiUrl, tokens.accessToken()),
    };
  }
  if (name === 'oidc' && config.oidc) {
    const oidc = config.oidc;
    return {
      name,
      client: new OAuth2Client(oidc.clientId, oidc.clientSecret, callbackUrl(config, name)),
      scopes: ['openid', 'email', 'profile'],
      endpoints: async () => {
        const discovery = await discoverOidc(oidc.issuer);
        return { authorizationUrl: discovery.authorization_endpoint, tokenUrl: discovery.token_endpoint };
      },
      identify: async (tokens, nonce) => {
        const discovery = await discoverOidc(oidc.issuer);
        return verifyIdToken({
          idToken: tokens.idToken(),
          keys: remoteKeySet(discovery.jwks_uri),
          issuer: discovery.issuer,
          clientId: oidc.clientId,
          nonce,
        });
      },
    };
  }
  return null;
}
