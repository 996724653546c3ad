// The back-channel requests to a generic OpenID Connect provider (the authorization-code token
// request, and a pushed authorization request), with the client authentication its discovery
// document asks for. (arctic's OAuth2Client always uses Basic, and without the form-encoding below,
// so a secret with `+`, `/`, `=` or `%` fails.)
import { OAuth2Tokens } from 'arctic';
import { fetchFromProvider, providerText } from './provider-fetch';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
}

/**
 * The method to authenticate with: POST when the provider offers it and not Basic; else Basic, the
 * default of OpenID Connect Discovery §3 (also when the list is missing, or names neither).
 */
export function clientAuthMethod(supported: unknown): ClientAuthMethod {
  const offers = (method: ClientAuthMethod) => Array.isArray(supported) && supported.includes(method);
  return offers('client_secret_post') && !offers('client_secret_basic') ? 'client_secret_post' : 'client_secret_basic';
}

/** RFC 6749 §2.3.1: id and secret are form-encoded (application/x-www-form-urlencoded) before Basic's base64. */
export function basicCredentials(clientId: string, clientSecret: string): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  method: ClientAuthMethod;
}

/** POSTs a form with the client's authentication; the JSON object answered, or TokenRequestError. */
async function postWithClientAuth(url: string, body: URLSearchParams, client: ClientCredentials) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (client.method === 'client_secret_basic') {
    headers.Authorization = basicCredentials(client.clientId, client.clientSecret);
  } else {
    body.set('client_id', client.clientId);
    body.set('client_secret', client.clientSecret);
  }
  let response: Response;
  try {
    response = await fetchFromProvider(url, { method: 'POST', headers, body });
  } catch (err) {
    throw new TokenRequestError(`request to ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const data: unknown = await response.json().catch(() => null);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TokenRequestError(`${url} answered ${response.status} without a JSON object`);
  }
  if (!response.ok || 'error' in data) {
    throw new TokenRequestError(
      `${url} answered ${response.status} ${providerText((data as { error?: unknown }).error)}`,
    );
  }
  return data as Record<string, unknown>;
}

export async function requestTokens(input: {
  tokenUrl: string;
  code: string;
  verifier: string;
  redirectUri: string;
  client: ClientCredentials;
}): Promise<OAuth2Tokens> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.verifier,
  });
  return new OAuth2Tokens(await postWithClientAuth(input.tokenUrl, body, input.client));
}

/**
 * RFC 9126: pushes the authorization request's parameters to the provider, which answers a
 * `request_uri` the browser then carries instead of them (required by some providers: Keycloak's
 * option, FAPI profiles).
 */
export async function pushAuthorizationRequest(
  parUrl: string,
  params: URLSearchParams,
  client: ClientCredentials,
): Promise<string> {
  const data = await postWithClientAuth(parUrl, new URLSearchParams(params), client);
  if (typeof data.request_uri !== 'string') throw new TokenRequestError(`${parUrl} answered no request_uri`);
  return data.request_uri;
}
