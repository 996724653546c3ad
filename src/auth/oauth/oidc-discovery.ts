// OpenID Connect discovery: the provider's endpoints from OIDC_ISSUER/.well-known/openid-configuration.
import { cachedPromise } from '../../lib/promise-cache';

export interface OidcDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export class OidcDiscoveryError extends Error {
  override name = 'OidcDiscoveryError';
}

// Discovery documents by issuer: derived from a setting and stable for the isolate's life. A failed
// fetch is not kept, so the next request tries again.
const discoveries = new Map<string, Promise<OidcDiscovery>>();

export function discoverOidc(issuer: string): Promise<OidcDiscovery> {
  return cachedPromise(discoveries, issuer, () => fetchDiscovery(issuer));
}

async function fetchDiscovery(issuer: string): Promise<OidcDiscovery> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new OidcDiscoveryError(`OIDC discovery failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new OidcDiscoveryError(`OIDC discovery answered ${response.status}`);
  const document = (await response.json()) as Partial<OidcDiscovery>;
  // OpenID Connect Discovery §4.3: the document's issuer must be exactly the one we asked.
  if (document.issuer !== issuer) throw new OidcDiscoveryError('OIDC discovery issuer does not match OIDC_ISSUER');
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof document[field] !== 'string') throw new OidcDiscoveryError(`OIDC discovery lacks ${field}`);
  }
  return document as OidcDiscovery;
}
