// The typed context every sub-app shares, and createRouter(), the one way to make a feature router.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PresentedApiKey } from './api-keys/authenticate';
import type { AccessTokenClaims } from './auth/access-tokens';
import type { Config } from './config';
import type { RequestDatabases } from './db/client';
import type { Deps } from './deps';
import type { ErrorCode } from './error-codes';
import { validationError } from './errors';
import { clientInfo } from './lib/client-info';
import type { Logger } from './lib/log';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    /** The request's D1 sessions (primary and replica), opened on first use. */
    databases: RequestDatabases;
    /** The AUDIT_ARCHIVE R2 bucket, or null where none is bound. */
    auditArchive: R2Bucket | null;
    /** Set by requestLog: every line carries the request id. */
    log: Logger;
    /** Set by corsForBrowsers: an Origin that CORS_ORIGINS does not list, for the request's log line. */
    refusedOrigin: string | undefined;
    /** Set by errorResponse: the code of the error answer, for the request's log line. */
    errorCode: ErrorCode | undefined;
    /** Set by depsFrom on first use. */
    deps: Deps | undefined;
    /** Set by requireAuth / requireLiveSession. */
    auth: AccessTokenClaims;
    /** Set by acceptApiKeys when the request presented an API key (then `auth` is not set). */
    apiKey: PresentedApiKey | undefined;
  };
}

/** A feature sub-app whose invalid inputs all become 400 VALIDATION_ERROR with `issues`. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error);
    },
  });
}

export type AppRouter = ReturnType<typeof createRouter>;

/**
 * The request's Deps, made on first use and kept on the context, so the guards and the handler of
 * one request share one instant (`now`) and one logger.
 */
export function depsFrom(c: Context<AppEnv>): Deps {
  let deps = c.get('deps');
  if (deps === undefined) {
    const databases = c.get('databases');
    deps = {
      get db() {
        return databases.primary;
      },
      get replica() {
        return databases.replica;
      },
      config: c.get('config'),
      now: new Date(),
      client: clientInfo(c.req.raw),
      log: c.get('log'),
    };
    c.set('deps', deps);
  }
  return deps;
}
