// The closed list of what an API key may be allowed to do. A route that takes keys names the one
// scope it needs (src/openapi.ts, apiKeyGuard); a key holds one or more. Add yours here: the
// schemas, the OpenAPI document and docs/api.md's table follow this list.

export const API_KEY_SCOPES = {
  read: "Read the owner's data: the account (GET /api/me) and your read routes.",
  write: "Change the owner's data: the account's name (PATCH /api/me) and your write routes.",
  'billing:read': 'Read the subscription: GET /api/billing/subscription, GET /api/orgs/{id}/billing.',
} as const;

export type ApiKeyScope = keyof typeof API_KEY_SCOPES;

export const API_KEY_SCOPE_NAMES = Object.keys(API_KEY_SCOPES) as [ApiKeyScope, ...ApiKeyScope[]];

/** A key's stored scopes (space-separated) as a list; names no longer in the list are dropped. */
export const scopesOf = (stored: string): ApiKeyScope[] =>
  stored.split(' ').filter((scope): scope is ApiKeyScope => Object.hasOwn(API_KEY_SCOPES, scope));
