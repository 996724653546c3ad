// requireSubscription: the guard for paid features (after requireAuth): 402 without an active
// subscription; the session must be live too (checked in the same D1 read), so a disabled user stops at once.
// With an active organization in the token, the organization's subscription decides (src/orgs/billing.ts).
import type { MiddlewareHandler } from 'hono';
import { getLiveAccount } from '../auth/accounts';
import { grantsPaidFeatures } from '../billing/subscription';
import { AppError } from '../errors';
import { depsFrom, type AppEnv } from '../router';

export function requireSubscription(): MiddlewareHandler<AppEnv> {
  return async function requireSubscription(c, next) {
    const auth = c.get('auth');
    if (auth.orgId) {
      const { requireOrganizationSubscription } = await import('../orgs/feature');
      await requireOrganizationSubscription(depsFrom(c), { ...auth, orgId: auth.orgId });
      return next();
    }
    const { subscription } = await getLiveAccount(depsFrom(c), auth, 'primary');
    if (!grantsPaidFeatures(subscription)) {
      throw new AppError('SUBSCRIPTION_REQUIRED');
    }
    await next();
  };
}
