// requireSubscription: the guard for paid features (after requireAuth): 402 without an active subscription.
import type { MiddlewareHandler } from 'hono';
import { grantsPaidFeatures } from '../billing/subscription';
import { findCurrentSubscription } from '../db/billing';
import { AppError } from '../errors';
import type { AppEnv } from '../router';

export function requireSubscription(): MiddlewareHandler<AppEnv> {
  return async function requireSubscription(c, next) {
    const subscription = await findCurrentSubscription(c.get('db'), c.get('auth').userId);
    if (!grantsPaidFeatures(subscription)) {
      throw new AppError(402, 'SUBSCRIPTION_REQUIRED', 'This feature needs an active subscription.');
    }
    await next();
  };
}
