// Every error code the API answers: its HTTP status and default sentence. AppError takes its status
// from here, the OpenAPI document's Error schema lists these codes, and a test keeps the table in
// docs/api.md (code, status, and when a client sees it) to these codes and statuses, in this order.
// The "when" lives only there: the Worker never needs it, so it costs no start-up.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

interface ErrorCodeEntry {
  /** The status this code answers with. */
  status: ContentfulStatusCode;
  /** Another status the same code answers with in one documented case (see TOKEN_INVALID). */
  alsoStatus?: ContentfulStatusCode;
  /** The default sentence for `error`; a throw may give a more specific one. */
  message: string;
}

export const ERROR_CODES = {
  // Any route
  VALIDATION_ERROR: {
    status: 400,
    message: 'The request is not valid.',
  },
  INVALID_JSON: {
    status: 400,
    message: 'The request body is not valid JSON.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send the request body as application/json.',
  },
  NOT_FOUND: {
    status: 404,
    message: 'Not found.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many attempts; try again later.',
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'Requests from this origin are not allowed.',
  },
  CONFIG_ERROR: {
    status: 500,
    message: 'The server is misconfigured.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The database is not answering.',
  },

  // Access tokens (bearer routes)
  AUTH_HEADER_MISSING: {
    status: 401,
    message: 'Send an access token as "Authorization: Bearer <token>".',
  },
  AUTH_HEADER_MALFORMED: {
    status: 401,
    message: 'The Authorization header must be "Bearer <token>".',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The access token has expired; refresh it.',
  },
  /** 401 for an access token; 400 for an emailed link's token (verify email, reset password). */
  TOKEN_INVALID: {
    status: 401,
    alsoStatus: 400,
    message: 'The access token is not valid.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'This needs an admin account.',
  },

  // Accounts and sessions
  EMAIL_TAKEN: {
    status: 409,
    message: 'An account with this email already exists.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    message: 'The email or password is not correct.',
  },
  ACCOUNT_DISABLED: {
    status: 403,
    message: 'This account has been disabled.',
  },
  REFRESH_TOKEN_MISSING: {
    status: 401,
    message: 'No refresh token cookie was sent. Sign in again.',
  },
  REFRESH_TOKEN_INVALID: {
    status: 401,
    message: 'The refresh token is not valid. Sign in again.',
  },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    message: 'This refresh token was already used; the session has been ended. Sign in again.',
  },

  // OAuth sign-in
  PROVIDER_NOT_CONFIGURED: {
    status: 404,
    message: 'This sign-in provider is not configured.',
  },
  REDIRECT_NOT_ALLOWED: {
    status: 400,
    message: 'redirect_to must be a relative path such as /dashboard.',
  },
  OAUTH_STATE_MISMATCH: {
    status: 400,
    message: 'The sign-in could not be verified. Start again from the login page.',
  },
  MFA_TOKEN_INVALID: {
    status: 401,
    message: 'This sign-in step is unknown, used or expired; sign in again.',
  },
  SECOND_FACTOR_INVALID: {
    status: 401,
    message: 'The code is wrong, expired or already used.',
  },
  STEP_UP_REQUIRED: {
    status: 403,
    message:
      'Confirm it is you first: POST /api/auth/step-up with a fresh second factor (or, on an account without one, your password).',
  },
  TOTP_ALREADY_ENABLED: {
    status: 409,
    message: 'An authenticator app is already enabled; disable it first to set up another.',
  },
  TOTP_NOT_ENABLED: {
    status: 409,
    message: 'No authenticator app is enabled (or being set up) on this account.',
  },
  MFA_NOT_CONFIGURED: {
    status: 503,
    message: 'Authenticator apps are not configured on this server (MFA_ENCRYPTION_KEYS).',
  },
  LAST_SIGN_IN_METHOD: {
    status: 409,
    message: 'This is your only way to sign in; set a password or link another provider first.',
  },

  // Billing
  BILLING_NOT_CONFIGURED: {
    status: 503,
    message: 'Billing is not configured on this server.',
  },
  BILLING_UNAVAILABLE: {
    status: 502,
    message: 'The subscription could not be cancelled; nothing was deleted. Try again.',
  },
  PRICE_NOT_ALLOWED: {
    status: 400,
    message: 'This price is not offered.',
  },
  ALREADY_SUBSCRIBED: {
    status: 409,
    message: 'You already have a subscription; manage it in the billing portal.',
  },
  NO_BILLING_ACCOUNT: {
    status: 409,
    message: 'There is no billing account yet; subscribe first.',
  },
  SUBSCRIPTION_REQUIRED: {
    status: 402,
    message: 'This feature needs an active subscription.',
  },
  SIGNATURE_MISSING: {
    status: 400,
    message: 'The Stripe-Signature header is missing.',
  },
  SIGNATURE_INVALID: {
    status: 400,
    message: 'The Stripe signature does not match this payload.',
  },

  // Admin
  LAST_ADMIN: {
    status: 409,
    message: 'This would leave no enabled admin.',
  },

  // Organizations
  ORG_ROLE_REQUIRED: {
    status: 403,
    message: 'Your role in this organization does not allow this.',
  },
  SLUG_TAKEN: {
    status: 409,
    message: 'Another organization has this slug.',
  },
  ORG_LIMIT_REACHED: {
    status: 409,
    message: 'You belong to the most organizations an account may (100): leave or delete one first.',
  },
  LAST_OWNER: {
    status: 409,
    message: 'An organization must keep an owner.',
  },
  ALREADY_MEMBER: {
    status: 409,
    message: 'This address is already a member of the organization.',
  },
  INVITATION_LIMIT_REACHED: {
    status: 409,
    message: 'The organization has 100 pending invitations: revoke some first.',
  },
  INVITATION_INVALID: {
    status: 400,
    message: 'This invitation is invalid, used, revoked or expired.',
  },
  INVITATION_EMAIL_MISMATCH: {
    status: 403,
    message: 'This invitation is for another email address.',
  },

  // API keys
  API_KEY_MALFORMED: {
    status: 401,
    message: 'This is not an API key of this service: check it was copied whole.',
  },
  API_KEY_INVALID: {
    status: 401,
    message: 'This API key is not known, or its owner can no longer use it.',
  },
  API_KEY_REVOKED: {
    status: 401,
    message: 'This API key was revoked.',
  },
  API_KEY_EXPIRED: {
    status: 401,
    message: 'This API key has expired.',
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    message: "This API key's scopes do not allow this.",
  },
  API_KEY_LIMIT_REACHED: {
    status: 409,
    message: 'The most live API keys one owner may hold (50) exist: revoke some first.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The statuses a code may answer with: its own, and its documented second one. */
export type ErrorStatus<C extends ErrorCode> =
  (typeof ERROR_CODES)[C]['status'] | ((typeof ERROR_CODES)[C] extends { alsoStatus: infer S } ? S : never);

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];
