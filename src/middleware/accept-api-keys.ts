// acceptApiKeys: the guard of a route that takes API keys as well as access tokens. A bearer value
// that is an API key goes to the API-keys feature (loaded by the first key a worker sees), which
// checks it and its scope and counts it against the key's rate limit; anything else goes through
// the route's token guards, as on any other route. The key is on the context as `apiKey`.
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { ApiKeyNeed } from '../api-keys/authenticate';
import { AppError } from '../errors';
import { afterResponse } from '../lib/after-response';
import { depsFrom, type AppEnv } from '../router';
import { presentedApiKey } from './require-auth';

/** Runs `middleware` one after the other, then `next`, as if each were on the route. */
async function inTurn(middleware: MiddlewareHandler<AppEnv>[], c: Context<AppEnv>, next: Next): Promise<void> {
  const run = async (i: number): Promise<void> => {
    if (i === middleware.length) return next();
    await middleware[i]!(c, () => run(i + 1));
  };
  await run(0);
}

const KEY_ONLY = 'This route takes an API key: "Authorization: Bearer <key>".';

export function acceptApiKeys(
  need: ApiKeyNeed,
  ...tokenGuards: MiddlewareHandler<AppEnv>[]
): MiddlewareHandler<AppEnv> {
  return async function acceptApiKeys(c, next) {
    const header = c.req.header('Authorization');
    const presented = presentedApiKey(header);
    if (presented === null) {
      if (tokenGuards.length > 0) return inTurn(tokenGuards, c, next);
      const missing = header === undefined || header.trim() === '';
      throw new AppError(missing ? 'AUTH_HEADER_MISSING' : 'API_KEY_MALFORMED', KEY_ONLY, {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const { allowsApiKey, authenticateApiKey, rateLimitHeaders, recordApiKeyUse } = await import('../api-keys/feature');
    const deps = depsFrom(c);
    const key = await authenticateApiKey(deps, presented, { account: need.account });
    // On every answer to a counted request, refusals included.
    for (const [name, value] of Object.entries(rateLimitHeaders(key.rateLimit, deps.now))) c.header(name, value);
    allowsApiKey(key, need);
    c.set('apiKey', key);
    await next();
    afterResponse(c, () =>
      recordApiKeyUse(deps, key).catch((err: unknown) =>
        deps.log.error('api_key.touch_failed', { error: String(err) }),
      ),
    );
  };
}
