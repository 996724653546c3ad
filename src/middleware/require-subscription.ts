// requireSubscription: the guard for paid features (after requireAuth): 402 without an active
// subscription; the session must be live too (checked in the same D1 read), so a disabled user stops at once.
// With an active organization in the token, the organization's subscription decides (src/orgs/billing.ts);
// with an API key (withApiKeys before it), the key owner's: the user's or the organization's.
import type { MiddlewareHandler } from 'hono';
import { getCallerAccount } from '../auth/accounts';
import { grantsPaidFeatures } from '../billing/subscription';
import { AppError } from '../errors';
import { depsFrom, type AppEnv } from '../router';

export function requireSubscription(): MiddlewareHandler<AppEnv> {
  return async function requireSubscription(c, next) {
    const key = c.get('apiKey');
    if (key && 'organizationId' in key.owner) {
      const { requirePaidOrganization } = await import('../orgs/feature');
      await requirePaidOrganization(depsFrom(c), key.owner.organizationId);
      return next();
    }
    const auth = c.get('auth');
    if (!key && auth.orgId) {
      const { requireOrganizationSubscription } = await import('../orgs/feature');
      await requireOrganizationSubscription(depsFrom(c), { ...auth, orgId: auth.orgId });
      return next();
    }
    const { subscription } = await getCallerAccount(depsFrom(c), c.var, 'primary');
    if (!grantsPaidFeatures(subscription)) {
      throw new AppError('SUBSCRIPTION_REQUIRED');
    }
    await next();
  };
}
