// Parses the settings (cached per isolate) and opens the database handle for the request.
import type { MiddlewareHandler } from 'hono';
import { loadConfig } from '../config';
import { createDatabase } from '../db/client';
import type { AppEnv } from '../router';

export function loadSettings(): MiddlewareHandler<AppEnv> {
  return async function loadSettings(c, next) {
    // Throws ConfigError, which the error handler turns into 500 CONFIG_ERROR naming the setting.
    c.set('config', loadConfig(c.env));
    c.set('db', createDatabase(c.env));
    await next();
  };
}
