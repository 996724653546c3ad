// Zod schemas shared by several routes: inputs (email, password, name) and outputs (user, tokens, subscription).
import { z } from '@hono/zod-openapi';
import { PROVIDER_NAMES, type ProviderName } from '../auth/oauth/identity';
import { isCommonPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords';
import { SUBSCRIPTION_STATUSES } from '../billing/subscription';
import { DISPLAY_NAME_MAX_LENGTH, NOT_IN_A_NAME } from '../lib/display-name';

const codePoints = (value: string) => [...value].length;

/** Trimmed and lower-cased before validation, so "A@x.io " and "a@x.io" are one account. */
export const emailInput = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'must be a valid email address' }))
  .openapi({ example: 'ada@example.com', type: 'string', format: 'email' });

/** A new password: 8–128 characters, not among the 10,000 most common. */
export const newPasswordInput = z
  .string()
  .refine((value) => codePoints(value) >= PASSWORD_MIN_LENGTH && codePoints(value) <= PASSWORD_MAX_LENGTH, {
    error: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
  })
  .refine(async (value) => !(await isCommonPassword(value)), { error: 'is too common; choose another password' })
  .openapi({ example: 'mauve-orbit-tundra-42', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });

/** A password being checked, not set: no policy hints, only a sane bound. */
export const passwordInput = z.string().min(1).max(1024).openapi({ example: 'mauve-orbit-tundra-42' });

/** A display name: one line of plain text (see lib/display-name.ts), 1–100 characters after trimming. */
export const nameInput = z
  .string()
  .trim()
  .min(1)
  .max(DISPLAY_NAME_MAX_LENGTH)
  .refine((value) => !NOT_IN_A_NAME.test(value), { error: 'must be one line of text, without control characters' })
  .nullable()
  .openapi({ example: 'Ada Lovelace' });

/** google, github or oidc. */
export const providerNameSchema = z.enum(PROVIDER_NAMES as [ProviderName, ...ProviderName[]]);

/** `{"ok": true}`: the body of answers that have nothing else to say (so `res.json()` always works). */
export const okSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

export const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    email_verified: z.boolean(),
    role: z.enum(['user', 'admin']),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('User');

export const accessTokenSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().openapi({ description: 'Seconds until the access token expires.' }),
});

export const signedInSchema = accessTokenSchema.extend({ user: userSchema }).openapi('SignedIn');

/** A first factor proven on an account with a second one: POST /api/auth/2fa/verify completes the sign-in. */
export const mfaRequiredSchema = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().openapi({ description: 'For POST /api/auth/2fa/verify: single use, 5 minutes.' }),
    methods: z
      .array(z.enum(['passkey', 'totp', 'recovery_code']))
      .openapi({ description: 'What the second step accepts, in the order to offer them.' }),
  })
  .openapi('MfaRequired');

export const subscriptionSummarySchema = z
  .object({
    status: z
      .enum(['none', ...SUBSCRIPTION_STATUSES])
      .openapi({ example: 'active', description: '"none", or the Stripe subscription status' }),
    price_id: z.string().nullable().optional(),
    current_period_end: z.string().nullable().optional().openapi({ format: 'date-time' }),
    cancel_at_period_end: z.boolean().optional(),
  })
  .openapi('Subscription');
