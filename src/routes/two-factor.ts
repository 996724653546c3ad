// Second factors: /api/me/2fa (an authenticator app and recovery codes), the second step of a
// sign-in (/api/auth/2fa/verify) and step-up (/api/auth/step-up). Loaded on first use (src/mfa/feature.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { toUserView } from '../auth/accounts';
import { setRefreshCookie } from '../auth/refresh-cookie';
import { deliverAfterResponse } from '../email/outbox';
import {
  confirmTotpSetup,
  disableTotp,
  regenerateRecoveryCodes,
  secondFactorStatus,
  startTotpSetup,
} from '../mfa/enrolment';
import { completeSecondFactor } from '../mfa/sign-in';
import { stepUp } from '../mfa/step-up';
import {
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
  SECOND_FACTOR_ERRORS,
  secondFactorGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { passkeyAssertionInput } from './passkey-schemas';
import { passwordInput, signedInSchema } from './schemas';

const totpCode = z
  .string()
  .regex(/^\d{6}$/, { error: 'must be the 6 digits the authenticator app shows' })
  .openapi({ example: '123456' });
const recoveryCode = z.string().min(1).max(64).openapi({ example: 'abcd-efgh-ijkl-mnop' });

const oneOf = (names: string[]) => (value: Record<string, unknown>) =>
  names.filter((name) => value[name] !== undefined).length === 1;

/** A fresh second factor: a code from the app, or a recovery code (exactly one). */
const secondFactorFields = { code: totpCode.optional(), recovery_code: recoveryCode.optional() };
/** Or, to complete a sign-in or step up, a passkey's assertion (for a challenge from the matching options route). */
const factorFields = { ...secondFactorFields, passkey: passkeyAssertionInput.optional() };
const secondFactorBody = z
  .object(secondFactorFields)
  .strict()
  .refine(oneOf(['code', 'recovery_code']), { error: 'send exactly one of code and recovery_code' });

const recoveryCodesSchema = z
  .array(z.string())
  .openapi({ description: '10 single-use codes, shown this once: ask the user to store them safely.' });

const stepUpTokenSchema = z.object({
  access_token: z.string().nullable(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().nullable(),
});

const statusSchema = z
  .object({
    totp: z.object({
      enabled: z.boolean(),
      enabled_at: z.string().nullable(),
      pending: z.boolean().openapi({ description: 'Set up but not confirmed yet.' }),
    }),
    recovery_codes_left: z.number().int(),
    passkeys: z.number().int().openapi({ description: 'How many passkeys (GET /api/me/passkeys lists them).' }),
    totp_available: z
      .boolean()
      .openapi({ description: 'Whether this server can set up authenticator apps (MFA_ENCRYPTION_KEYS is set).' }),
  })
  .openapi('SecondFactors');

const CODE_ERRORS = ['SECOND_FACTOR_INVALID', 'RATE_LIMITED', 'MFA_NOT_CONFIGURED'] as const;

const tags = ['Second factors'];

const statusRoute = createRoute({
  method: 'get',
  path: '/me/2fa',
  operationId: 'getSecondFactors',
  tags,
  summary: 'My second factors',
  ...liveSessionGuard(),
  responses: { 200: jsonResponse(statusSchema, 'What is set up.'), ...errorResponses(BEARER_ERRORS) },
});

const startTotpRoute = createRoute({
  method: 'post',
  path: '/me/2fa/totp',
  operationId: 'startTotpSetup',
  tags,
  summary: 'Set up an authenticator app: a new secret and its otpauth:// URI',
  description:
    'The email address must be verified (else 403 FORBIDDEN). Confirm with `password`, or omit it within 10 ' +
    'minutes of signing in or stepping up. Render `otpauth_uri` as ' +
    'a QR code (or show `secret`), then confirm with a code. Calling again before confirming replaces the secret.',
  ...secondFactorGuard(),
  request: { body: jsonRequest(z.object({ password: passwordInput.optional() }).strict(), { required: false }) },
  responses: {
    200: jsonResponse(
      z.object({ secret: z.string().openapi({ description: 'Base32' }), otpauth_uri: z.string() }),
      'The secret, unconfirmed.',
    ),
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'INVALID_CREDENTIALS',
      'RATE_LIMITED',
      'FORBIDDEN',
      'TOTP_ALREADY_ENABLED',
      'MFA_NOT_CONFIGURED',
    ),
  },
});

const confirmTotpRoute = createRoute({
  method: 'post',
  path: '/me/2fa/totp/confirm',
  operationId: 'confirmTotpSetup',
  tags,
  summary: 'Turn the authenticator app on with a code from it',
  description:
    'Returns 10 recovery codes (shown once) and an access token for this session with the second factor in ' +
    'its `amr`. Signing in now needs a code.',
  ...secondFactorGuard(),
  request: { body: jsonRequest(z.object({ code: totpCode }).strict()) },
  responses: {
    200: jsonResponse(
      stepUpTokenSchema.extend({ recovery_codes: recoveryCodesSchema }),
      'Enabled. The user got an email.',
    ),
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'TOTP_ALREADY_ENABLED',
      'TOTP_NOT_ENABLED',
      ...CODE_ERRORS,
    ),
  },
});

const disableTotpRoute = createRoute({
  method: 'delete',
  path: '/me/2fa/totp',
  operationId: 'disableTotp',
  tags,
  summary: 'Turn the authenticator app off (with a current code or a recovery code)',
  description: 'The recovery codes go with it. The user gets an email.',
  ...liveSessionGuard(),
  request: { body: jsonRequest(secondFactorBody) },
  responses: {
    204: { description: 'Disabled.' },
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, 'TOTP_NOT_ENABLED', ...CODE_ERRORS),
  },
});

const regenerateRoute = createRoute({
  method: 'post',
  path: '/me/2fa/recovery-codes',
  operationId: 'regenerateRecoveryCodes',
  tags,
  summary: 'New recovery codes (with a current code or a recovery code); the old ones stop working',
  ...liveSessionGuard(),
  request: { body: jsonRequest(secondFactorBody) },
  responses: {
    200: jsonResponse(z.object({ recovery_codes: recoveryCodesSchema }), 'The new codes. The user gets an email.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, 'TOTP_NOT_ENABLED', ...CODE_ERRORS),
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/auth/2fa/verify',
  operationId: 'verifySecondFactor',
  security: [],
  tags,
  summary: 'Complete a sign-in that answered mfa_required',
  description:
    'The `mfa_token` from the sign-in (5 minutes, single use) with a code, a recovery code, or a passkey assertion ' +
    '(options from POST /api/auth/2fa/passkey-options). Wrong codes count ' +
    'toward the account lock as wrong passwords do. Using a recovery code emails the user.',
  request: {
    body: jsonRequest(
      z
        .object({ mfa_token: z.string().min(1).max(200), ...factorFields })
        .strict()
        .refine(oneOf(['code', 'recovery_code', 'passkey']), {
          error: 'send exactly one of code, recovery_code and passkey',
        }),
    ),
  },
  responses: {
    200: jsonResponse(
      signedInSchema.extend({
        redirect_to: z
          .string()
          .nullable()
          .openapi({ description: 'After an OAuth sign-in: where it was going (a path on APP_URL).' }),
      }),
      'Signed in. Sets the refresh_token cookie.',
    ),
    ...errorResponses(JSON_BODY_ERRORS, 'MFA_TOKEN_INVALID', 'ACCOUNT_DISABLED', ...CODE_ERRORS),
  },
});

const stepUpRoute = createRoute({
  method: 'post',
  path: '/auth/step-up',
  operationId: 'stepUp',
  tags,
  summary: 'Prove a factor again: the session (and the token returned) records it',
  description:
    'With a second factor on the account: `code`, `recovery_code` or `passkey` (options from POST ' +
    '/api/auth/step-up/passkey-options); without: `password`. The new access token ' +
    'has the factor in `amr` (and `aal2` for a second factor) and `auth_time` now; the refresh cookie is unchanged ' +
    'and later tokens keep it.',
  ...liveSessionGuard(),
  request: {
    body: jsonRequest(
      z
        .object({ password: passwordInput.optional(), ...factorFields })
        .strict()
        .refine(oneOf(['password', 'code', 'recovery_code', 'passkey']), {
          error: 'send exactly one of password, code, recovery_code and passkey',
        }),
    ),
  },
  responses: {
    200: jsonResponse(stepUpTokenSchema, 'The upgraded access token.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, 'INVALID_CREDENTIALS', 'TOTP_NOT_ENABLED', ...CODE_ERRORS),
  },
});

export const twoFactorRouter = createRouter()
  .openapi(statusRoute, async (c) => c.json(await secondFactorStatus(depsFrom(c), c.get('auth')), 200))
  .openapi(startTotpRoute, async (c) =>
    c.json(await startTotpSetup(depsFrom(c), c.get('auth'), c.req.valid('json') ?? {}), 200),
  )
  .openapi(confirmTotpRoute, async (c) => {
    const deps = depsFrom(c);
    const { body, outboxIds } = await confirmTotpSetup(deps, c.get('auth'), c.req.valid('json').code);
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(body, 200);
  })
  .openapi(disableTotpRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await disableTotp(deps, c.get('auth'), c.req.valid('json')));
    return c.body(null, 204);
  })
  .openapi(regenerateRoute, async (c) => {
    const deps = depsFrom(c);
    const { body, outboxIds } = await regenerateRecoveryCodes(deps, c.get('auth'), c.req.valid('json'));
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(body, 200);
  })
  .openapi(verifyRoute, async (c) => {
    const deps = depsFrom(c);
    const signedIn = await completeSecondFactor(deps, c.req.valid('json'));
    setRefreshCookie(c, signedIn.tokens.refreshToken, deps.config.refreshTokenTtl);
    deliverAfterResponse(c, deps, signedIn.outboxIds);
    return c.json(
      {
        access_token: signedIn.tokens.accessToken,
        token_type: 'Bearer' as const,
        expires_in: signedIn.tokens.expiresIn,
        user: toUserView(signedIn.user),
        redirect_to: signedIn.redirectTo,
      },
      200,
    );
  })
  .openapi(stepUpRoute, async (c) => {
    const deps = depsFrom(c);
    const { body, outboxIds } = await stepUp(deps, c.get('auth'), c.req.valid('json'));
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(body, 200);
  });
