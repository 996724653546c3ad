// Passkeys: /api/me/passkeys (register, list, rename, remove) and the passwordless sign-in
// (/api/auth/passkeys/*), plus the options for a passkey as a sign-in's second step or a step-up.
// Loaded with the second-factors feature; the WebAuthn library loads only when a ceremony runs.
import { createRoute, z } from '@hono/zod-openapi';
import { toUserView } from '../auth/accounts';
import { setRefreshCookie } from '../auth/refresh-cookie';
import { deliverAfterResponse } from '../email/outbox';
import { passkeysOf, removeOwnPasskey, renameOwnPasskey } from '../mfa/passkey-list';
import { removePassword } from '../mfa/passwordless';
import { secondStepPasskeyOptions, signInWithPasskey } from '../mfa/sign-in';
import { stepUpPasskeyOptions } from '../mfa/step-up';
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
import { MAX_CREDENTIAL_ID_LENGTH } from '../db/passkeys';
import { passkeyAssertionInput, passkeyRegistrationInput } from './passkey-schemas';
import { passwordInput, signedInSchema } from './schemas';

const tags = ['Passkeys'];

const passkeySchema = z
  .object({
    id: z.string().openapi({ description: 'The credential id (base64url).' }),
    name: z.string(),
    device_type: z
      .enum(['singleDevice', 'multiDevice'])
      .openapi({ description: 'multiDevice: synced (iCloud, Google...).' }),
    backed_up: z.boolean(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
  })
  .openapi('Passkey');

const passkeyName = z.string().trim().min(1).max(64);

const optionsSchema = z.record(z.string(), z.unknown()).openapi('WebAuthnOptions', {
  description:
    'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3): pass to ' +
    "navigator.credentials.create()/get() (with the browser's parse*OptionsFromJSON, or @simplewebauthn/browser). " +
    'Its challenge works once, for 5 minutes.',
});

const idParam = z.object({ id: z.string().min(1).max(MAX_CREDENTIAL_ID_LENGTH) });
const PASSKEY_ERRORS = ['SECOND_FACTOR_INVALID'] as const;

const registrationOptionsRoute = createRoute({
  method: 'post',
  path: '/me/passkeys/options',
  operationId: 'passkeyRegistrationOptions',
  tags,
  summary: 'Start adding a passkey: creation options for the browser',
  description:
    'Needs a verified email address (else 403 FORBIDDEN), a factor proven in the last 10 minutes (a sign-in or ' +
    'POST /api/auth/step-up), and, when the account has a second factor, a session that proved it.',
  ...secondFactorGuard(),
  responses: {
    200: jsonResponse(optionsSchema, 'For navigator.credentials.create().'),
    ...errorResponses(SECOND_FACTOR_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'FORBIDDEN', 'RATE_LIMITED'),
  },
});

const registerRoute = createRoute({
  method: 'post',
  path: '/me/passkeys',
  operationId: 'registerPasskey',
  tags,
  summary: 'Add the passkey the browser created (the user is emailed); it signs in, and counts as a second factor',
  ...secondFactorGuard(),
  request: {
    body: jsonRequest(z.object({ response: passkeyRegistrationInput, name: passkeyName.optional() }).strict()),
  },
  responses: {
    201: jsonResponse(passkeySchema, 'Added.'),
    ...errorResponses(SECOND_FACTOR_ERRORS, JSON_BODY_ERRORS, 'NOT_FOUND', 'FORBIDDEN', ...PASSKEY_ERRORS),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/me/passkeys',
  operationId: 'listPasskeys',
  tags,
  summary: 'My passkeys',
  ...liveSessionGuard(),
  responses: {
    200: jsonResponse(z.object({ passkeys: z.array(passkeySchema) }), 'Oldest first.'),
    ...errorResponses(BEARER_ERRORS),
  },
});

const renameRoute = createRoute({
  method: 'patch',
  path: '/me/passkeys/{id}',
  operationId: 'renamePasskey',
  tags,
  summary: 'Rename one of my passkeys',
  ...liveSessionGuard(),
  request: { params: idParam, body: jsonRequest(z.object({ name: passkeyName }).strict()) },
  responses: {
    200: jsonResponse(passkeySchema, 'Renamed.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, 'NOT_FOUND'),
  },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/me/passkeys/{id}',
  operationId: 'removePasskey',
  tags,
  summary: 'Remove one of my passkeys (not the last way to sign in); the user is emailed',
  ...secondFactorGuard(),
  request: { params: idParam },
  responses: {
    204: { description: 'Removed.' },
    ...errorResponses(SECOND_FACTOR_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'LAST_SIGN_IN_METHOD'),
  },
});

const signInOptionsRoute = createRoute({
  method: 'post',
  path: '/auth/passkeys/options',
  operationId: 'passkeySignInOptions',
  security: [],
  tags,
  summary: 'Start a passwordless sign-in: request options for any passkey of this site',
  description:
    'At most 60 per client address in 10 minutes (every passkey ceremony counts; signed in, also 30 per account).',
  responses: {
    200: jsonResponse(optionsSchema, 'For navigator.credentials.get() (user verification required).'),
    ...errorResponses('RATE_LIMITED'),
  },
});

const signInRoute = createRoute({
  method: 'post',
  path: '/auth/passkeys/verify',
  operationId: 'signInWithPasskey',
  security: [],
  tags,
  summary: 'Sign in with a passkey, without a password',
  description:
    'The session\'s `amr` is `["hwk"]` and its `aal` is `aal2`: user verification (a PIN, a fingerprint) was required.',
  request: { body: jsonRequest(z.object({ response: passkeyAssertionInput }).strict()) },
  responses: {
    200: jsonResponse(signedInSchema, 'Signed in. Sets the refresh_token cookie.'),
    ...errorResponses(JSON_BODY_ERRORS, 'ACCOUNT_DISABLED', 'RATE_LIMITED', ...PASSKEY_ERRORS),
  },
});

const secondStepOptionsRoute = createRoute({
  method: 'post',
  path: '/auth/2fa/passkey-options',
  operationId: 'secondFactorPasskeyOptions',
  security: [],
  tags,
  summary: "A sign-in's second step with a passkey: request options for that user's passkeys",
  description: 'Then POST /api/auth/2fa/verify {mfa_token, passkey}.',
  request: { body: jsonRequest(z.object({ mfa_token: z.string().min(1).max(200) }).strict()) },
  responses: {
    200: jsonResponse(optionsSchema, 'For navigator.credentials.get().'),
    ...errorResponses(JSON_BODY_ERRORS, 'MFA_TOKEN_INVALID', 'RATE_LIMITED', ...PASSKEY_ERRORS),
  },
});

const stepUpOptionsRoute = createRoute({
  method: 'post',
  path: '/auth/step-up/passkey-options',
  operationId: 'stepUpPasskeyOptions',
  tags,
  summary: 'A step-up with a passkey: request options for my passkeys',
  description: 'Then POST /api/auth/step-up {passkey}.',
  ...liveSessionGuard(),
  responses: {
    200: jsonResponse(optionsSchema, 'For navigator.credentials.get().'),
    ...errorResponses(BEARER_ERRORS, 'RATE_LIMITED', ...PASSKEY_ERRORS),
  },
});

const removePasswordRoute = createRoute({
  method: 'delete',
  path: '/me/password',
  operationId: 'removePassword',
  tags,
  summary: 'Go passwordless: remove my password (a passkey or a linked provider must remain)',
  ...secondFactorGuard(),
  request: { body: jsonRequest(z.object({ current_password: passwordInput }).strict()) },
  responses: {
    204: { description: 'Removed; the user is emailed.' },
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'INVALID_CREDENTIALS',
      'RATE_LIMITED',
      'LAST_SIGN_IN_METHOD',
    ),
  },
});

export const passkeysRouter = createRouter()
  .openapi(registrationOptionsRoute, async (c) => {
    const { registrationOptions } = await import('../mfa/passkeys');
    return c.json(await registrationOptions(depsFrom(c), c.get('auth')), 200);
  })
  .openapi(registerRoute, async (c) => {
    const deps = depsFrom(c);
    const { registerPasskey } = await import('../mfa/passkeys');
    const { passkey, outboxIds } = await registerPasskey(deps, c.get('auth'), c.req.valid('json'));
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(passkey, 201);
  })
  .openapi(listRoute, async (c) => c.json(await passkeysOf(depsFrom(c), c.get('auth')), 200))
  .openapi(renameRoute, async (c) =>
    c.json(await renameOwnPasskey(depsFrom(c), c.get('auth'), c.req.valid('param').id, c.req.valid('json').name), 200),
  )
  .openapi(removeRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await removeOwnPasskey(deps, c.get('auth'), c.req.valid('param').id));
    return c.body(null, 204);
  })
  .openapi(signInOptionsRoute, async (c) => {
    const { authenticationOptions } = await import('../mfa/passkeys');
    return c.json(await authenticationOptions(depsFrom(c), 'sign_in', null), 200);
  })
  .openapi(signInRoute, async (c) => {
    const deps = depsFrom(c);
    const signedIn = await signInWithPasskey(deps, c.req.valid('json').response);
    setRefreshCookie(c, signedIn.tokens.refreshToken, deps.config.refreshTokenTtl);
    return c.json(
      {
        access_token: signedIn.tokens.accessToken,
        token_type: 'Bearer' as const,
        expires_in: signedIn.tokens.expiresIn,
        user: toUserView(signedIn.user),
      },
      200,
    );
  })
  .openapi(secondStepOptionsRoute, async (c) =>
    c.json(await secondStepPasskeyOptions(depsFrom(c), c.req.valid('json').mfa_token), 200),
  )
  .openapi(stepUpOptionsRoute, async (c) => c.json(await stepUpPasskeyOptions(depsFrom(c), c.get('auth')), 200))
  .openapi(removePasswordRoute, async (c) => {
    const deps = depsFrom(c);
    deliverAfterResponse(c, deps, await removePassword(deps, c.get('auth'), c.req.valid('json').current_password));
    return c.body(null, 204);
  });
