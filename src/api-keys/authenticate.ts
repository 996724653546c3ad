// A presented API key: refused on its form alone (no D1 read) when it is mistyped or truncated, else
// checked and counted against its rate limit in one D1 round trip; its last use recorded after the
// response, at most once a minute.
import type { Deps } from '../deps';
import { touchApiKey, useApiKey, type ApiKeyOwner } from '../db/api-keys';
import { accountFromRows, keyOwnerAccountStatements } from '../db/billing';
import type { Subscription, User } from '../db/schema';
import { AppError } from '../errors';
import { sha256Base64Url } from '../lib/crypto';
import { isWellFormedApiKey } from './key-format';
import { scopesOf, type ApiKeyScope } from './scopes';

/** What a route that takes keys asks of one: a scope (null: any key), and whose keys it takes. */
export interface ApiKeyNeed {
  scope: ApiKeyScope | null;
  owners: readonly ('user' | 'organization')[];
  /** Read a user key's account (user and subscription) in the key's own round trip, for getCallerAccount. */
  account?: boolean;
}

/** The key a request presented, once checked: on the context as `apiKey`. */
export interface PresentedApiKey {
  id: string;
  owner: ApiKeyOwner;
  name: string;
  scopes: ApiKeyScope[];
  start: string;
  last4: string;
  createdAt: number;
  createdBy: string | null;
  expiresAt: number | null;
  lastUsedAt: number | null;
  rateLimit: { limit: number; remaining: number; resetAt: number };
  /** A user key's account, when the route asked for it (ApiKeyNeed.account). */
  account?: { user: User; subscription: Subscription | null };
}

const WINDOW_MS = 60_000;

// RFC 6750 §3: the challenge says why the key was refused.
const apiKeyError = (
  code: 'API_KEY_MALFORMED' | 'API_KEY_INVALID' | 'API_KEY_REVOKED' | 'API_KEY_EXPIRED',
  message?: string,
) => new AppError(code, message, { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });

/**
 * The presented key, checked and counted: 401 for a malformed, unknown, revoked or expired key or a
 * disabled owner, 429 past its limit. What the route asks of it is allowsApiKey's to check.
 */
export async function authenticateApiKey(
  deps: Deps,
  text: string,
  options: { account?: boolean | undefined } = {},
): Promise<PresentedApiKey> {
  const { prefix } = deps.config.apiKeys;
  if (!isWellFormedApiKey(prefix, text)) {
    throw apiKeyError(
      'API_KEY_MALFORMED',
      text.startsWith(prefix) ? undefined : `API keys of this service start with ${prefix}.`,
    );
  }
  const now = deps.now.getTime();
  const windowStart = now - (now % WINDOW_MS);
  const keyHash = await sha256Base64Url(text);
  const { counted, key, also } = await useApiKey(
    deps.db,
    { keyHash, now: deps.now, windowStart },
    options.account ? keyOwnerAccountStatements(deps.db, keyHash) : [],
  );
  if (!key) throw apiKeyError('API_KEY_INVALID');
  if (key.revoked_at !== null) throw apiKeyError('API_KEY_REVOKED');
  if (key.expires_at !== null && key.expires_at <= now) throw apiKeyError('API_KEY_EXPIRED');
  if (key.owner_disabled_at !== null)
    throw apiKeyError('API_KEY_INVALID', 'The account that owns this API key is disabled.');
  const resetAt = (key.window_start ?? windowStart) + WINDOW_MS;
  const rateLimit = {
    limit: key.rate_limit_per_minute,
    remaining: key.rate_limit_per_minute - (key.hits ?? 1),
    resetAt,
  };
  if (!counted) {
    throw new AppError('RATE_LIMITED', `This API key may make ${key.rate_limit_per_minute} requests a minute.`, {
      headers: {
        'Retry-After': String(Math.max(1, Math.ceil((resetAt - now) / 1000))),
        ...rateLimitHeaders({ ...rateLimit, remaining: 0 }, deps.now),
      },
    });
  }
  const owner: ApiKeyOwner = key.user_id !== null ? { userId: key.user_id } : { organizationId: key.organization_id! };
  return {
    id: key.id,
    owner,
    name: key.name,
    scopes: scopesOf(key.scopes),
    start: key.start,
    last4: key.last4,
    createdAt: key.created_at,
    createdBy: key.created_by,
    expiresAt: key.expires_at,
    lastUsedAt: key.last_used_at,
    rateLimit,
    ...(options.account && key.user_id !== null ? { account: accountOf(also) } : {}),
  };
}

/** The rows of keyOwnerAccountStatements; the user is there, as the key's check found them enabled in the same batch. */
function accountOf([userRows, subscriptionRows]: D1Result[]) {
  const { user, subscription } = accountFromRows(userRows, subscriptionRows);
  if (!user) throw apiKeyError('API_KEY_INVALID');
  return { user, subscription };
}

/** The headers every answer to a counted key carries: the limit, what is left, seconds to the next minute. */
export function rateLimitHeaders(rateLimit: PresentedApiKey['rateLimit'], now: Date): Record<string, string> {
  return {
    'RateLimit-Limit': String(rateLimit.limit),
    'RateLimit-Remaining': String(Math.max(0, rateLimit.remaining)),
    'RateLimit-Reset': String(Math.max(1, Math.ceil((rateLimit.resetAt - now.getTime()) / 1000))),
  };
}

/** 403 unless the route takes keys of this owner (FORBIDDEN) holding its scope (INSUFFICIENT_SCOPE). */
export function allowsApiKey(key: PresentedApiKey, need: ApiKeyNeed): void {
  if (!need.owners.includes('userId' in key.owner ? 'user' : 'organization')) {
    throw new AppError(
      'FORBIDDEN',
      'userId' in key.owner ? "This route takes an organization's API key." : "This route takes a user's API key.",
    );
  }
  if (need.scope !== null && !key.scopes.includes(need.scope)) {
    throw new AppError('INSUFFICIENT_SCOPE', `This needs an API key with the ${need.scope} scope.`, {
      headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${need.scope}"` },
    });
  }
}

/** After the response: the key's last use, unless one was recorded in the last minute (no write then). */
export async function recordApiKeyUse(deps: Deps, key: PresentedApiKey): Promise<void> {
  if (key.lastUsedAt !== null && key.lastUsedAt > deps.now.getTime() - WINDOW_MS) return;
  await touchApiKey(deps.db, key.id, deps.now);
}
