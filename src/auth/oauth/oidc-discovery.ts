// OpenID Connect discovery: the provider's endpoints and abilities from
// OIDC_ISSUER/.well-known/openid-configuration, cached per isolate for a while.
import { fetchFromProvider, providerText } from './provider-fetch';

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
/**
 * The least time between two fetches that are not due to the TTL: one forced by a failure (a failed
 * code exchange), or a retry after a failed fetch. No request can force a discovery fetch per request.
 */
export const DISCOVERY_REFRESH_COOLDOWN_MS = 30_000;

interface CachedDiscovery {
  /** The last document fetched successfully: kept through a failed re-fetch. */
  document: OidcDiscovery | null;
  fetchedAt: number;
  /** The fetch in progress, shared by concurrent callers. */
  pending: Promise<OidcDiscovery> | null;
  failedAt: number;
  failure: unknown;
}

// Discovery documents by issuer.
const discoveries = new Map<string, CachedDiscovery>();

/**
 * The issuer's discovery document: cached for DISCOVERY_TTL_MS; `refresh` fetches it again (after a
 * failure that a moved endpoint would explain) when the last fetch is DISCOVERY_REFRESH_COOLDOWN_MS
 * old. A failed fetch keeps the last good document and is not retried for the cooldown.
 */
export function discoverOidc(issuer: string, options: { refresh?: boolean } = {}): Promise<OidcDiscovery> {
  let entry = discoveries.get(issuer);
  if (!entry) {
    entry = { document: null, fetchedAt: -Infinity, pending: null, failedAt: -Infinity, failure: null };
    discoveries.set(issuer, entry);
  }
  if (entry.pending) return entry.pending;
  const now = Date.now();
  const age = now - entry.fetchedAt;
  const due = age >= DISCOVERY_TTL_MS || (options.refresh === true && age >= DISCOVERY_REFRESH_COOLDOWN_MS);
  const backingOff = now - entry.failedAt < DISCOVERY_REFRESH_COOLDOWN_MS;
  if (entry.document && (!due || backingOff)) return Promise.resolve(entry.document);
  if (!entry.document && backingOff) return Promise.reject(entry.failure);
  const current = entry;
  current.pending = fetchDiscovery(issuer)
    .then((document) => {
      Object.assign(current, { document, fetchedAt: Date.now(), failedAt: -Infinity, failure: null });
      return document;
    })
    .catch((err: unknown) => {
      Object.assign(current, { failedAt: Date.now(), failure: err });
      if (current.document) return current.document;
      throw err;
    })
    .finally(() => {
      current.pending = null;
    });
  return current.pending;
}

/** An endpoint from the document: a URL, and https when the issuer is (production requires it). */
export function checkEndpoint(issuer: string, field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  let url: URL | null = null;
  try {
    if (typeof value === 'string') url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null) throw new OidcDiscoveryError(`OIDC discovery lacks a valid ${field}`);
  const httpsRequired = new URL(issuer).protocol === 'https:';
  if (url.protocol !== 'https:' && (httpsRequired || url.protocol !== 'http:')) {
    throw new OidcDiscoveryError(`OIDC discovery's ${field} must be an ${httpsRequired ? 'https' : 'http(s)'} URL`);
  }
}

async function fetchDiscovery(issuer: string): Promise<OidcDiscovery> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let response: Response;
  try {
    response = await fetchFromProvider(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new OidcDiscoveryError(`OIDC discovery failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new OidcDiscoveryError(`OIDC discovery at ${url} answered ${response.status}`);
  const document: unknown = await response.json().catch(() => null);
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new OidcDiscoveryError(`OIDC discovery at ${url} is not a JSON object`);
  }
  const fields = document as Record<string, unknown>;
  // OpenID Connect Discovery §4.3: the document's issuer must be exactly the one we asked, character
  // for character. Say what differed: a trailing slash on one side only is the usual culprit.
  if (fields.issuer !== issuer) {
    throw new OidcDiscoveryError(
      `OIDC discovery issuer ${providerText(JSON.stringify(fields.issuer))} is not OIDC_ISSUER ${JSON.stringify(issuer)} ` +
        '(they must be equal exactly, trailing slash included: set OIDC_ISSUER to the issuer the document names)',
    );
  }
  for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
    checkEndpoint(issuer, field, fields[field], true);
  }
  for (const field of ['userinfo_endpoint', 'pushed_authorization_request_endpoint']) {
    checkEndpoint(issuer, field, fields[field], false);
  }
  return document as OidcDiscovery;
}
