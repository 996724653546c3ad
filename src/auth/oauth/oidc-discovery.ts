// OpenID Connect discovery: the provider's endpoints and abilities from
// OIDC_ISSUER/.well-known/openid-configuration, cached per isolate for a while.

export interface OidcDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  /** RFC 9207: the provider sends `iss` with the authorization response. */
  authorization_response_iss_parameter_supported?: boolean;
  /** RFC 9126: Pushed Authorization Requests. */
  pushed_authorization_request_endpoint?: string;
  require_pushed_authorization_requests?: boolean;
}

export class OidcDiscoveryError extends Error {
  override name = 'OidcDiscoveryError';
}

/** How long a discovery document is used before it is fetched again (a provider may move endpoints). */
export const DISCOVERY_TTL_MS = 60 * 60_000;
/** The least time between two fetches forced by a failure (a failed code exchange), so none can be forced per request. */
export const DISCOVERY_REFRESH_COOLDOWN_MS = 30_000;

interface CachedDiscovery {
  promise: Promise<OidcDiscovery>;
  fetchedAt: number;
}

// Discovery documents by issuer. A failed fetch is not kept, so the next request tries again.
const discoveries = new Map<string, CachedDiscovery>();

/**
 * The issuer's discovery document: cached for DISCOVERY_TTL_MS; `refresh` fetches it again (after a
 * failure that a moved endpoint would explain), at most once per DISCOVERY_REFRESH_COOLDOWN_MS.
 */
export function discoverOidc(issuer: string, options: { refresh?: boolean } = {}): Promise<OidcDiscovery> {
  const cached = discoveries.get(issuer);
  const age = cached ? Date.now() - cached.fetchedAt : Infinity;
  const stale = age >= DISCOVERY_TTL_MS || (options.refresh === true && age >= DISCOVERY_REFRESH_COOLDOWN_MS);
  if (cached && !stale) return cached.promise;
  const entry: CachedDiscovery = { promise: fetchDiscovery(issuer), fetchedAt: Date.now() };
  discoveries.set(issuer, entry);
  entry.promise.catch(() => {
    if (discoveries.get(issuer) === entry) discoveries.delete(issuer);
  });
  return entry.promise;
}

async function fetchDiscovery(issuer: string): Promise<OidcDiscovery> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new OidcDiscoveryError(`OIDC discovery failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new OidcDiscoveryError(`OIDC discovery at ${url} answered ${response.status}`);
  let document: Partial<OidcDiscovery>;
  try {
    document = (await response.json()) as Partial<OidcDiscovery>;
  } catch {
    throw new OidcDiscoveryError(`OIDC discovery at ${url} is not JSON`);
  }
  // OpenID Connect Discovery §4.3: the document's issuer must be exactly the one we asked, character
  // for character. Say what differed: a trailing slash on one side only is the usual culprit.
  if (document.issuer !== issuer) {
    throw new OidcDiscoveryError(
      `OIDC discovery issuer ${JSON.stringify(document.issuer)} is not OIDC_ISSUER ${JSON.stringify(issuer)} ` +
        '(they must be equal exactly, trailing slash included: set OIDC_ISSUER to the issuer the document names)',
    );
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
    if (typeof document[field] !== 'string') throw new OidcDiscoveryError(`OIDC discovery lacks ${field}`);
  }
  return document as OidcDiscovery;
}
