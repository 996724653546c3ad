// requireAdmin: a live session whose user is an admin now, per the database (a demoted admin loses access at once).
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors';
import type { AppEnv } from '../router';
import { requireSecondFactor } from './require-auth';

/** Also requireSecondFactor's rule: an admin with a second factor acts only from a session that proved it. */
export function requireAdmin(): MiddlewareHandler<AppEnv> {
  const liveSession = requireSecondFactor();
  return async function requireAdmin(c, next) {
    // requireLiveSession re-reads the role from D1 instead of trusting the token's claim.
    await liveSession(c, async () => {
      if (c.get('auth').role !== 'admin') throw new AppError('FORBIDDEN');
      await next();
    });
  };
}
