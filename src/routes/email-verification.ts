// /api/auth/verify-email and its resend.
import { createRoute, z } from '@hono/zod-openapi';
import { toUserView } from '../auth/accounts';
import { resendVerification, verifyEmail } from '../auth/email-verification';
import { deliverAfterResponse } from '../email/outbox';
import { verifyBearer } from '../middleware/require-auth';
import {
  BEARER_ERRORS,
  bearerSecurity,
  EMAILED_LINK_INVALID,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { okSchema, userSchema } from './schemas';

const verifyRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email',
  operationId: 'verifyEmail',
  tags: ['Email verification'],
  summary: 'Mark my email verified with the token from the email (single use, 24 h)',
  description:
    'The link proves the address, so sign-in providers that did not vouch for it are unlinked. Send your access ' +
    'token too when you have one: a provider whose own sign-in started this session stays linked.',
  security: [{}, ...bearerSecurity],
  request: { body: jsonRequest(z.object({ token: z.string().min(1).max(200) })) },
  responses: {
    200: jsonResponse(z.object({ user: userSchema }), 'Verified.'),
    ...errorResponses(JSON_BODY_ERRORS, EMAILED_LINK_INVALID, BEARER_ERRORS),
  },
});

const resendRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email/resend',
  operationId: 'resendVerificationEmail',
  tags: ['Email verification'],
  summary: 'Send a new verification link (none once verified)',
  ...liveSessionGuard(),
  responses: {
    202: jsonResponse(okSchema, 'Queued (or nothing to send).'),
    ...errorResponses(BEARER_ERRORS, 'RATE_LIMITED', 'NOT_FOUND'),
  },
});

export const emailVerificationRouter = createRouter()
  .openapi(verifyRoute, async (c) => {
    const authorization = c.req.header('Authorization');
    const presenter = authorization === undefined ? null : await verifyBearer(c.get('config'), authorization);
    const user = await verifyEmail(depsFrom(c), c.req.valid('json').token, presenter);
    return c.json({ user: toUserView(user) }, 200);
  })
  .openapi(resendRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await resendVerification(deps, c.get('auth')));
    return c.json({ ok: true as const }, 202);
  });
