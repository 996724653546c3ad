// Parses the settings (cached per isolate) and opens the request's D1 sessions: the primary's, and a
// replica's that starts at the bookmark the client echoes (X-D1-Bookmark). A response to a caller
// signed in with an access token carries the newest bookmark the request reached, so the client's
// next read sees at least what this one did. Anonymous callers get none: a bookmark shows how far
// the database has moved, which would let them count the writes a request made (an email known or
// not to "forgot password"). Their reads do not need one (see readNearby).
import type { MiddlewareHandler } from 'hono';
import { loadConfig } from '../config';
import { isBookmark, openAuditArchive, openDatabases } from '../db/client';
import type { AppEnv } from '../router';

export const BOOKMARK_HEADER = 'X-D1-Bookmark';

export function loadSettings(): MiddlewareHandler<AppEnv> {
  return async function loadSettings(c, next) {
    // Throws ConfigError, which the error handler turns into 500 CONFIG_ERROR naming the setting.
    c.set('config', loadConfig(c.env));
    const sent = c.req.header(BOOKMARK_HEADER);
    const databases = openDatabases(c.env, isBookmark(sent) ? sent : null);
    c.set('databases', databases);
    c.set('auditArchive', openAuditArchive(c.env));
    await next();
    const bookmark = databases.bookmark();
    if (bookmark !== null && c.get('auth') !== undefined) c.header(BOOKMARK_HEADER, bookmark);
  };
}
