// API keys: a user's own (/api/me/api-keys) and an organization's (/api/orgs/{id}/api-keys), thin
// typed calls over `api`; and `self(key)`, which asks the API about a key with the key itself, not
// the session (a key is a credential of its own: the signed-in user's token must not stand in for it).
import type { Client } from 'openapi-fetch';
import type { components, paths } from './api.js';

export type ApiKey = components['schemas']['ApiKey'];
export type ApiKeyScope = components['schemas']['ApiKeyScope'];
/** A key just made: `key` is the secret, in this answer only (the API keeps its SHA-256). */
export type NewApiKey = components['schemas']['NewApiKey'];
/** The key a request presented, with what is left of its rate limit this minute. */
export type PresentedApiKey = components['schemas']['PresentedApiKey'];
/** `expires_at`: an ISO date-time in the future (none: until revoked); `rate_limit_per_minute`: at most the API's setting. */
export type NewApiKeyInput = paths['/api/me/api-keys']['post']['requestBody']['content']['application/json'];

/** The calls for one owner's keys: the user's (`apiKeys`) or an organization's (`apiKeys.forOrg(id)`). */
export interface ApiKeyManager {
  /** Newest first, never the keys themselves; revoked and expired ones too, for 30 days. */
  list(): Promise<ApiKey[]>;
  /**
   * A new key; show `key` to the user once, with a way to copy it: no call returns it again. Needs a
   * verified address (403 FORBIDDEN) and a sign-in in the last 10 minutes that proved the account's
   * second factor (403 STEP_UP_REQUIRED: `twoFactor.stepUp(...)`, then again). An owner holds at most
   * 50 live keys, 200 counting those revoked or expired in the last 30 days (409 API_KEY_LIMIT_REACHED).
   */
  create(input: NewApiKeyInput): Promise<NewApiKey>;
  /** Requests with the key are refused from now on; resolves to it, revoked (revoking it again changes nothing). */
  revoke(id: string): Promise<ApiKey>;
}

export interface ApiKeysApi extends ApiKeyManager {
  /**
   * The same calls for an organization's keys, which belong to it (they outlive their maker's
   * membership): its admins and owners only (403 ORG_ROLE_REQUIRED; 404 NOT_FOUND for non-members).
   */
  forOrg(orgId: string): ApiKeyManager;
  /**
   * What `key` is (owner, scopes, expiry, rate limit left), asked with the key itself: signed in or
   * not, the session's access token is not sent. It counts against the key's rate limit; a key that no longer works
   * throws (API_KEY_REVOKED, API_KEY_EXPIRED, API_KEY_INVALID, API_KEY_MALFORMED for a mistyped one).
   */
  self(key: string): Promise<PresentedApiKey>;
}

/** `sendJson`: a call without the session's token, its JSON answer, errors thrown (see index.ts). */
export function createApiKeys(
  api: Client<paths>,
  sendJson: <T>(request: Request) => Promise<T>,
  baseUrl: string,
): ApiKeysApi {
  // Every error answer is thrown by the client's fetch, so `data` is set whenever a call returns.
  const forOrg = (id: string): ApiKeyManager => ({
    list: async () => (await api.GET('/api/orgs/{id}/api-keys', { params: { path: { id } } })).data!.api_keys,
    create: async (body) => (await api.POST('/api/orgs/{id}/api-keys', { params: { path: { id } }, body })).data!,
    revoke: async (keyId) =>
      (await api.DELETE('/api/orgs/{id}/api-keys/{keyId}', { params: { path: { id, keyId } } })).data!,
  });
  return {
    list: async () => (await api.GET('/api/me/api-keys')).data!.api_keys,
    create: async (body) => (await api.POST('/api/me/api-keys', { body })).data!,
    revoke: async (id) => (await api.DELETE('/api/me/api-keys/{id}', { params: { path: { id } } })).data!,
    forOrg,
    // Not through `api`, whose fetch puts the session's access token in the Authorization header.
    self: (key) =>
      sendJson(new Request(new URL('/api/api-keys/self', baseUrl), { headers: { Authorization: `Bearer ${key}` } })),
  };
}
