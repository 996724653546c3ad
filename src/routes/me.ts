// /api/me: the signed-in user's own account.
import { createRoute, z } from '@hono/zod-openapi';
import { deleteAccount } from '../auth/account-deletion';
import { getAccount, renameAccount, toUserView } from '../auth/accounts';
import { clearRefreshCookie } from '../auth/refresh-cookie';
import { requireAuth, requireLiveSession } from '../middleware/require-auth';
import { errorResponses } from '../openapi';
import { createRouter, depsFrom } from '../router';
import { bearerSecurity, nameInput, passwordInput, userSchema } from './auth-schemas';

const subscriptionSummarySchema = z
  .object({ status: z.string().openapi({ example: 'none' }) })
  .passthrough()
  .openapi('SubscriptionSummary');

const meSchema = userSchema.extend({ subscription: subscriptionSummarySchema }).openapi('Me');

const getMeRoute = createRoute({
  method: 'get',
  path: '/me',
  tags: ['Account'],
  summary: 'My account',
  middleware: [requireAuth()] as const,
  security: bearerSecurity,
  responses: { 200: { description: 'The signed-in user.', content: { 'application/json': { schema: meSchema } } }, ...errorResponses(401, 404) },
});

const patchMeRoute = createRoute({
  method: 'patch',
  path: '/me',
  tags: ['Account'],
  summary: 'Change my name',
  middleware: [requireLiveSession()] as const,
  security: bearerSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ name: nameInput }).strict() } } } },
  responses: { 200: { description: 'The updated user.', content: { 'application/json': { schema: meSchema } } }, ...errorResponses(400, 401, 404) },
});

const deleteMeRoute = createRoute({
  method: 'delete',
  path: '/me',
  tags: ['Account'],
  summary: 'Delete my account and its data',
  description:
    'Confirm with `password`, or omit it within 10 minutes of signing in with an OAuth provider. ' +
    'Sessions, tokens, linked providers and queued emails are deleted with the account.',
  middleware: [requireLiveSession()] as const,
  security: bearerSecurity,
  request: {
    body: { required: false, content: { 'application/json': { schema: z.object({ password: passwordInput.optional() }).strict() } } },
  },
  responses: { 204: { description: 'Deleted.' }, ...errorResponses(400, 401, 429) },
});

// Billing fills the subscription summary in; until a user subscribes it is {status: "none"}.
const NO_SUBSCRIPTION = { status: 'none' };

export const meRouter = createRouter()
  .openapi(getMeRoute, async (c) => {
    const user = await getAccount(depsFrom(c), c.get('auth').userId);
    return c.json({ ...toUserView(user), subscription: NO_SUBSCRIPTION }, 200);
  })
  .openapi(patchMeRoute, async (c) => {
    const user = await renameAccount(depsFrom(c), c.get('auth').userId, c.req.valid('json').name);
    return c.json({ ...toUserView(user), subscription: NO_SUBSCRIPTION }, 200);
  })
  .openapi(deleteMeRoute, async (c) => {
    await deleteAccount(depsFrom(c), c.get('auth'), c.req.valid('json'));
    clearRefreshCookie(c);
    return c.body(null, 204);
  });
