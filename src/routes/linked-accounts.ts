// /api/me/accounts: the sign-in providers linked to my account, and unlinking one.
import { createRoute, z } from '@hono/zod-openapi';
import { listLinkedAccounts, unlinkProvider } from '../auth/oauth/linked-accounts';
import {
  BEARER_ERRORS,
  errorResponses,
  jsonResponse,
  liveSessionGuard,
  SECOND_FACTOR_ERRORS,
  secondFactorGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { providerNameSchema } from './schemas';

const linkedAccountSchema = z
  .object({
    provider: providerNameSchema,
    email: z.string().nullable(),
    created_at: z.string(),
    last_login_at: z.string(),
  })
  .openapi('LinkedAccount');

const listRoute = createRoute({
  method: 'get',
  path: '/me/accounts',
  operationId: 'listLinkedAccounts',
  tags: ['Account'],
  summary: 'My linked sign-in providers',
  ...liveSessionGuard(),
  responses: {
    200: jsonResponse(
      z.object({ accounts: z.array(linkedAccountSchema), has_password: z.boolean() }),
      'Linked providers, and whether a password is set.',
    ),
    ...errorResponses(BEARER_ERRORS, 'NOT_FOUND'),
  },
});

const unlinkRoute = createRoute({
  method: 'delete',
  path: '/me/accounts/{provider}',
  operationId: 'unlinkAccount',
  tags: ['Account'],
  summary: 'Unlink a provider (not the last way to sign in)',
  ...secondFactorGuard(),
  request: { params: z.object({ provider: z.string().max(32) }) },
  responses: {
    204: { description: 'Unlinked.' },
    ...errorResponses(SECOND_FACTOR_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'LAST_SIGN_IN_METHOD'),
  },
});

export const linkedAccountsRouter = createRouter()
  .openapi(listRoute, async (c) => c.json(await listLinkedAccounts(depsFrom(c), c.get('auth').userId), 200))
  .openapi(unlinkRoute, async (c) => {
    await unlinkProvider(depsFrom(c), c.get('auth').userId, c.req.valid('param').provider);
    return c.body(null, 204);
  });
