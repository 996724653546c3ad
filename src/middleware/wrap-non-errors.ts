// Turns a thrown non-Error (a string, a plain object) into an Error so app.onError still answers JSON.
import type { MiddlewareHandler } from 'hono';

/** Hono hands only Error instances to onError; anything else would escape as a Worker crash page. */
export function wrapNonErrors(): MiddlewareHandler {
  return async function wrapNonErrors(_c, next) {
    try {
      await next();
    } catch (err) {
      throw err instanceof Error ? err : new Error(`Non-Error thrown: ${String(err)}`);
    }
  };
}
