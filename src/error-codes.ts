// Every error code the API answers: its HTTP status, default sentence and when it happens. AppError
// takes its status from here, the OpenAPI document's Error schema lists these codes, and a test
// keeps the README's table (code, status, when) equal to this.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

interface ErrorCodeEntry {
  /** The status this code answers with. */
  status: ContentfulStatusCode;
  /** Another status the same code answers with in one documented case (see TOKEN_INVALID). */
  alsoStatus?: ContentfulStatusCode;
  /** The default sentence for `error`; a throw may give a more specific one. */
  message: string;
  /** When a client sees it, as the README's table says. */
  when: string;
}

export const ERROR_CODES = {
  // Any route
  VALIDATION_ERROR: {
    status: 400,
    message: 'The request is not valid.',
    when: "Well-formed JSON, query or path that does not match the route's schema; `issues` lists each problem.",
  },
  INVALID_JSON: {
    status: 400,
    message: 'The request body is not valid JSON.',
    when: 'A body that is not valid JSON (or an empty body where one is needed).',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
    when: 'A body over 16 KiB (512 KiB for the Stripe webhook).',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send the request body as application/json.',
    when: 'A body sent without `Content-Type: application/json`.',
  },
  NOT_FOUND: {
    status: 404,
    message: 'Not found.',
    when: 'An unknown route, method or resource (a session, a user, the dev mailbox outside development).',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many attempts; try again later.',
    when: 'Too many attempts in a window; `Retry-After` says when to try again.',
  },
  ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'Requests from this origin are not allowed.',
    when: 'A cookie route called from an origin not in `CORS_ORIGINS`.',
  },
  CONFIG_ERROR: {
    status: 500,
    message: 'The server is misconfigured.',
    when: 'A missing or malformed setting; the message names it (never its value).',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Something went wrong on our side.',
    when: 'An unexpected failure; the detail is in the log line with the same request id.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The database is not answering.',
    when: '`GET /api/health` when D1 does not answer.',
  },

  // Access tokens (bearer routes)
  AUTH_HEADER_MISSING: {
    status: 401,
    message: 'Send an access token as "Authorization: Bearer <token>".',
    when: 'A bearer route called without `Authorization`.',
  },
  AUTH_HEADER_MALFORMED: {
    status: 401,
    message: 'The Authorization header must be "Bearer <token>".',
    when: 'An `Authorization` header that is not `Bearer <token>`.',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The access token has expired; refresh it.',
    when: 'An access token past its expiry: refresh, then retry.',
  },
  /** 401 for an access token; 400 for an emailed link's token (verify email, reset password). */
  TOKEN_INVALID: {
    status: 401,
    alsoStatus: 400,
    message: 'The access token is not valid.',
    when: 'Any other bad access token (signature, issuer, a session that ended): 401. A used, expired or unknown emailed link: 400.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'This needs an admin account.',
    when: 'An admin route called by a user who is not an admin.',
  },

  // Accounts and sessions
  EMAIL_TAKEN: {
    status: 409,
    message: 'An account with this email already exists.',
    when: 'Registering an address that already has an account.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    message: 'The email or password is not correct.',
    when: 'A wrong email or password (the same answer for both), or a wrong current password.',
  },
  ACCOUNT_DISABLED: {
    status: 403,
    message: 'This account has been disabled.',
    when: 'The right password for an account an admin disabled.',
  },
  REFRESH_TOKEN_MISSING: {
    status: 401,
    message: 'No refresh token cookie was sent. Sign in again.',
    when: '`POST /api/auth/refresh` without the cookie.',
  },
  REFRESH_TOKEN_INVALID: {
    status: 401,
    message: 'The refresh token is not valid. Sign in again.',
    when: 'A refresh cookie that is unknown, expired, revoked, or sent twice.',
  },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    message: 'This refresh token was already used; the session has been ended. Sign in again.',
    when: 'A rotated refresh token presented again after the grace window: the session is revoked.',
  },

  // OAuth sign-in
  PROVIDER_NOT_CONFIGURED: {
    status: 404,
    message: 'This sign-in provider is not configured.',
    when: 'An OAuth provider whose settings are not set.',
  },
  REDIRECT_NOT_ALLOWED: {
    status: 400,
    message: 'redirect_to must be a relative path such as /dashboard.',
    when: 'A `redirect_to` that is not a relative path.',
  },
  OAUTH_STATE_MISMATCH: {
    status: 400,
    message: 'The sign-in could not be verified. Start again from the login page.',
    when: "An OAuth callback whose state does not match this browser's cookie.",
  },
  LAST_SIGN_IN_METHOD: {
    status: 409,
    message: 'This is your only way to sign in; set a password or link another provider first.',
    when: 'Unlinking the only way left to sign in.',
  },

  // Billing
  BILLING_NOT_CONFIGURED: {
    status: 503,
    message: 'Billing is not configured on this server.',
    when: 'A billing route (or deleting an account with a subscription) while Stripe settings are unset.',
  },
  BILLING_UNAVAILABLE: {
    status: 502,
    message: 'The subscription could not be cancelled; nothing was deleted. Try again.',
    when: 'Deleting an account whose subscription Stripe could not cancel; nothing was deleted.',
  },
  PRICE_NOT_ALLOWED: {
    status: 400,
    message: 'This price is not offered.',
    when: 'A checkout for a price not in `STRIPE_PRICE_IDS`.',
  },
  ALREADY_SUBSCRIBED: {
    status: 409,
    message: 'You already have a subscription; manage it in the billing portal.',
    when: 'A checkout by a user who already has a live subscription.',
  },
  NO_BILLING_ACCOUNT: {
    status: 409,
    message: 'There is no billing account yet; subscribe first.',
    when: 'The billing portal for a user who never checked out.',
  },
  SUBSCRIPTION_REQUIRED: {
    status: 402,
    message: 'This feature needs an active subscription.',
    when: 'A paid feature (`requireSubscription()`) without an active or trialing subscription.',
  },
  SIGNATURE_MISSING: {
    status: 400,
    message: 'The Stripe-Signature header is missing.',
    when: 'A Stripe webhook without `Stripe-Signature`.',
  },
  SIGNATURE_INVALID: {
    status: 400,
    message: 'The Stripe signature does not match this payload.',
    when: 'A Stripe webhook whose signature does not match its body.',
  },

  // Admin
  LAST_ADMIN: {
    status: 409,
    message: 'This would leave no enabled admin.',
    when: 'Demoting or disabling the last enabled admin.',
  },

  // Organizations
  ORG_ROLE_REQUIRED: {
    status: 403,
    message: 'Your role in this organization does not allow this.',
    when: 'An organization route that needs a higher role than the caller has there (the message names it), or granting a role above your own.',
  },
  SLUG_TAKEN: {
    status: 409,
    message: 'Another organization has this slug.',
    when: 'Creating or renaming an organization with a slug already in use.',
  },
  ORG_LIMIT_REACHED: {
    status: 409,
    message: 'You belong to the most organizations an account may (100): leave or delete one first.',
    when: 'Creating an organization while a member of 100.',
  },
  LAST_OWNER: {
    status: 409,
    message: 'An organization must keep an owner.',
    when: "Removing, demoting or leaving as the last owner of an organization, or deleting the account of an organization's last owner while it has other members.",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The statuses a code may answer with: its own, and its documented second one. */
export type ErrorStatus<C extends ErrorCode> =
  (typeof ERROR_CODES)[C]['status'] | ((typeof ERROR_CODES)[C] extends { alsoStatus: infer S } ? S : never);

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];
