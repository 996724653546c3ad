// /api/auth/verify-email and its resend.
import { createRoute, z } from '@hono/zod-openapi';
import { toUserView } from '../auth/accounts';
import { resendVerification, verifyEmail } from '../auth/email-verification';
import { requireAuth } from '../middleware/require-auth';
import { errorResponses } from '../openapi';
import { createRouter, deliverAfterResponse, depsFrom } from '../router';
import { bearerSecurity, userSchema } from './schemas';

const verifyRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email',
  tags: ['Email verification'],
  summary: 'Mark my email verified with the token from the email (single use, 24 h)',
  request: {
    body: { required: true, content: { 'application/json': { schema: z.object({ token: z.string().min(1).max(200) }) } } },
  },
  responses: {
    200: { description: 'Verified.', content: { 'application/json': { schema: z.object({ user: userSchema }) } } },
    ...errorResponses(400),
  },
});

const resendRoute = createRoute({
  method: 'post',
  path: '/auth/verify-email/resend',
  tags: ['Email verification'],
  summary: 'Send a new verification link (none once verified)',
  middleware: [requireAuth()] as const,
  security: bearerSecurity,
  responses: { 202: { description: 'Queued (or nothing to send).' }, ...errorResponses(401, 429) },
});

export const emailVerificationRouter = createRouter()
  .openapi(verifyRoute, async (c) => {
    const user = await verifyEmail(depsFrom(c), c.req.valid('json').token);
    return c.json({ user: toUserView(user) }, 200);
  })
  .openapi(resendRoute, async (c) => {
    deliverAfterResponse(c, await resendVerification(depsFrom(c), c.get('auth')));
    return c.body(null, 202);
  });
