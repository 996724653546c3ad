// The typed context every sub-app shares, and createRouter(), the one way to make a feature router.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Config } from './config';
import type { Database } from './db/client';
import { validationError } from './errors';

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    db: Database;
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
