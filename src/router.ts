// The typed context every sub-app shares, and createRouter(), the one way to make a feature router.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AccessTokenClaims } from './auth/access-tokens';
import type { AuthDeps } from './auth/sessions';
import type { Config } from './config';
import type { Database } from './db/client';
import { deliverEmails } from './email/outbox';
import { createEmailSender } from './email/senders';
import { validationError } from './errors';
import { clientInfo } from './lib/client-info';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    db: Database;
    /** Set by requireAuth / requireLiveSession. */
    auth: AccessTokenClaims;
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

/** What domain functions need from a request: database, settings, the time now, and the caller. */
export function depsFrom(c: Context<AppEnv>): AuthDeps {
  return { db: c.get('db'), config: c.get('config'), now: new Date(), client: clientInfo(c.req.raw) };
}

/** Delivers queued emails after the response is sent; failures stay in the outbox for the retry job. */
export function deliverAfterResponse(c: Context<AppEnv>, outboxIds: string[]): void {
  if (outboxIds.length === 0) return;
  const sender = createEmailSender(c.get('config').email);
  // A zero timer lets the response leave first: the handler chain after this point is only microtasks.
  const afterResponse = new Promise((resolve) => setTimeout(resolve, 0));
  c.executionCtx.waitUntil(
    afterResponse.then(() => deliverEmails({ db: c.get('db'), now: () => new Date(), sender }, outboxIds)),
  );
}
