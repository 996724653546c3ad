// /api/me: the signed-in user's own account.
import { createRoute, z } from '@hono/zod-openapi';
import { deleteAccount } from '../auth/account-deletion';
import { callerUserId, getCallerAccount, renameAccount, toUserView } from '../auth/accounts';
import { clearRefreshCookie } from '../auth/refresh-cookie';
import { cancelSubscriptionsOf } from '../billing/cancel';
import { getSubscriptionSummary, toSubscriptionSummary } from '../billing/subscription';
import {
  API_KEY_ERRORS,
  authGuard,
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
  SECOND_FACTOR_ERRORS,
  secondFactorGuard,
  withApiKeys,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { nameInput, passwordInput, subscriptionSummarySchema, userSchema } from './schemas';

const meSchema = userSchema.extend({ subscription: subscriptionSummarySchema }).openapi('Me');

const getMeRoute = createRoute({
  method: 'get',
  path: '/me',
  operationId: 'getMe',
  tags: ['Account'],
  summary: 'My account',
  ...withApiKeys(authGuard(), { scope: 'read', owners: ['user'], account: true }),
  responses: {
    200: jsonResponse(meSchema, "The signed-in user (or the API key's owner)."),
    ...errorResponses(BEARER_ERRORS, API_KEY_ERRORS, 'FORBIDDEN'),
  },
});

const patchMeRoute = createRoute({
  method: 'patch',
  path: '/me',
  operationId: 'updateMe',
  tags: ['Account'],
  summary: 'Change my name',
  ...withApiKeys(liveSessionGuard(), { scope: 'write', owners: ['user'] }),
  request: { body: jsonRequest(z.object({ name: nameInput }).strict()) },
  responses: {
    200: jsonResponse(meSchema, 'The updated user.'),
    ...errorResponses(BEARER_ERRORS, API_KEY_ERRORS, JSON_BODY_ERRORS, 'NOT_FOUND', 'FORBIDDEN'),
  },
});

const deleteMeRoute = createRoute({
  method: 'delete',
  path: '/me',
  operationId: 'deleteMe',
  tags: ['Account'],
  summary: 'Delete my account and its data',
  description:
    'Confirm with `password`, or omit it within 10 minutes of signing in with an OAuth provider. ' +
    'Sessions, tokens, linked providers, queued emails and memberships are deleted with the account, and so are ' +
    'the organizations it is the only member of. The last owner of an organization with other members is refused ' +
    '(`409 LAST_OWNER`): checked before the subscription is cancelled, and again as the account is deleted.',
  ...secondFactorGuard(),
  request: { body: jsonRequest(z.object({ password: passwordInput.optional() }).strict(), { required: false }) },
  responses: {
    204: { description: 'Deleted.' },
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'INVALID_CREDENTIALS',
      'RATE_LIMITED',
      'BILLING_NOT_CONFIGURED',
      'BILLING_UNAVAILABLE',
      'LAST_OWNER',
    ),
  },
});

export const meRouter = createRouter()
  .openapi(getMeRoute, async (c) => {
    const { user, subscription } = await getCallerAccount(depsFrom(c), c.var, 'replica');
    return c.json({ ...toUserView(user), subscription: toSubscriptionSummary(subscription) }, 200);
  })
  .openapi(patchMeRoute, async (c) => {
    const deps = depsFrom(c);
    const user = await renameAccount(deps, callerUserId(c.var), c.req.valid('json').name);
    return c.json({ ...toUserView(user), subscription: await getSubscriptionSummary(deps.db, user.id) }, 200);
  })
  .openapi(deleteMeRoute, async (c) => {
    const deps = depsFrom(c);
    await deleteAccount(deps, c.get('auth'), c.req.valid('json'), (userId) => cancelSubscriptionsOf(deps, userId));
    clearRefreshCookie(c);
    return c.body(null, 204);
  });
