// /api/auth/password: forgot, reset and change.
import { createRoute, z } from '@hono/zod-openapi';
import { changePassword, requestPasswordReset, resetPassword } from '../auth/password-recovery';
import { deliverAfterResponse } from '../email/outbox';
import {
  EMAILED_LINK_INVALID,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  SECOND_FACTOR_ERRORS,
  secondFactorGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { emailInput, newPasswordInput, okSchema, passwordInput } from './schemas';

const forgotRoute = createRoute({
  method: 'post',
  path: '/auth/password/forgot',
  operationId: 'forgotPassword',
  security: [],
  tags: ['Passwords'],
  summary: 'Email a reset link if the account exists',
  description: 'Always 202, whether or not the email has an account. At most 5 emails per address per hour.',
  request: { body: jsonRequest(z.object({ email: emailInput })) },
  responses: {
    202: jsonResponse(okSchema, 'Accepted (the same answer whether or not the email has an account).'),
    ...errorResponses(JSON_BODY_ERRORS, 'RATE_LIMITED'),
  },
});

const resetRoute = createRoute({
  method: 'post',
  path: '/auth/password/reset',
  operationId: 'resetPassword',
  security: [],
  tags: ['Passwords'],
  summary: 'Set a new password with the token from the email (single use, 1 h); ends every session',
  request: { body: jsonRequest(z.object({ token: z.string().min(1).max(200), password: newPasswordInput })) },
  responses: {
    200: jsonResponse(okSchema, 'Password set; sign in again.'),
    ...errorResponses(JSON_BODY_ERRORS, EMAILED_LINK_INVALID),
  },
});

const changeRoute = createRoute({
  method: 'post',
  path: '/auth/password/change',
  operationId: 'changePassword',
  tags: ['Passwords'],
  summary: 'Change my password; ends my other sessions',
  ...secondFactorGuard(),
  request: { body: jsonRequest(z.object({ current_password: passwordInput, new_password: newPasswordInput })) },
  responses: {
    200: jsonResponse(okSchema, 'Changed.'),
    ...errorResponses(SECOND_FACTOR_ERRORS, JSON_BODY_ERRORS, 'INVALID_CREDENTIALS', 'RATE_LIMITED'),
  },
});

export const passwordsRouter = createRouter()
  .openapi(forgotRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await requestPasswordReset(deps, c.req.valid('json').email));
    return c.json({ ok: true as const }, 202);
  })
  .openapi(resetRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await resetPassword(deps, c.req.valid('json')));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(changeRoute, async (c) => {
    const { current_password, new_password } = c.req.valid('json');
    const deps = depsFrom(c);
    deliverAfterResponse(
      c,
      deps,
      await changePassword(deps, c.get('auth'), {
        currentPassword: current_password,
        newPassword: new_password,
      }),
    );
    return c.json({ ok: true as const }, 200);
  });
