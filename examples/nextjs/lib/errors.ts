// Every message the user sees about a failure comes from here: the API's typed error codes (stable,
// unlike its sentences) mapped to plain words, with a fallback for anything else.
import { isLiftoffError, type ErrorCode } from '@liftoff/client';

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_CREDENTIALS: 'That email and password do not match.',
  ACCOUNT_DISABLED: 'This account has been disabled. Contact support if you think this is a mistake.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead, or reset your password.',
  RATE_LIMITED: 'Too many attempts. Wait a little and try again.',
  TOKEN_INVALID: 'This link is invalid, already used or expired. Ask for a new one.',
  TOKEN_EXPIRED: 'Your session has expired. Sign in again.',
  AUTH_HEADER_MISSING: 'You need to sign in first.',
  REFRESH_TOKEN_MISSING: 'You need to sign in first.',
  REFRESH_TOKEN_INVALID: 'Your session has ended. Sign in again.',
  REFRESH_TOKEN_REUSED: 'Your session was ended for your safety. Sign in again.',
  ORIGIN_NOT_ALLOWED: 'This site is not allowed to use the API (check CORS_ORIGINS).',
  SECOND_FACTOR_INVALID: 'That code is wrong, expired or already used. Enter the newest code from your app.',
  MFA_TOKEN_INVALID: 'This sign-in step has expired or was already used. Sign in again.',
  STEP_UP_REQUIRED: 'Confirm it is you first, with a code from your authenticator app.',
  TOTP_ALREADY_ENABLED: 'An authenticator app is already on. Turn it off first to set up another one.',
  TOTP_NOT_ENABLED: 'No authenticator app is on (or being set up) for this account. Start the setup again.',
  MFA_NOT_CONFIGURED: 'Authenticator apps are not set up on this server (MFA_ENCRYPTION_KEYS).',
  LAST_SIGN_IN_METHOD: 'This is your only way to sign in. Set a password or link another provider first.',
  NOT_FOUND: 'That no longer exists.',
  PROVIDER_NOT_CONFIGURED: 'That sign-in provider is not set up.',
  BILLING_NOT_CONFIGURED: 'Billing is not set up on this server.',
  BILLING_UNAVAILABLE: 'The payment provider could not be reached. Nothing was changed; try again.',
  PRICE_NOT_ALLOWED: 'That plan is not available.',
  ALREADY_SUBSCRIBED: 'You already have a subscription. Manage it from the billing portal.',
  NO_BILLING_ACCOUNT: 'You have no billing account yet: subscribe to a plan first.',
  SUBSCRIPTION_REQUIRED: 'This feature is for subscribers.',
  FORBIDDEN: 'You are not allowed to do that.',
  ORG_ROLE_REQUIRED: 'Your role in this organization does not allow that.',
  SLUG_TAKEN: 'That short name is taken. Choose another one.',
  ORG_LIMIT_REACHED: 'You belong to as many organizations as an account may. Leave one first.',
  LAST_OWNER: 'An organization needs an owner: make someone else an owner first.',
  ALREADY_MEMBER: 'That person is already a member.',
  INVITATION_LIMIT_REACHED: 'This organization has too many pending invitations. Revoke some first.',
  INVITATION_INVALID: 'This invitation is invalid, already used, revoked or expired. Ask for a new one.',
  INVITATION_EMAIL_MISMATCH:
    'This invitation was sent to another email address. Sign in with the address it was sent to.',
  CONFIG_ERROR: 'The server is misconfigured. Try again later.',
  DATABASE_UNAVAILABLE: 'The server is having trouble. Try again later.',
};

const FALLBACK = 'Something went wrong. Try again.';

/** A sentence for the user about `error` (anything a call may throw). */
export function errorMessage(error: unknown): string {
  if (!isLiftoffError(error)) {
    // fetch rejects with a TypeError when the API cannot be reached (down, offline, blocked by CORS).
    return error instanceof TypeError ? 'The server could not be reached. Check your connection.' : FALLBACK;
  }
  if (error.code === 'VALIDATION_ERROR' && error.issues.length > 0) {
    // The issues name a field and say what is wrong with it ("password: is too common; choose another password").
    return `Please check: ${error.issues.map((issue) => `${issue.path || 'input'} ${issue.message}`).join('; ')}.`;
  }
  return MESSAGES[error.code] ?? FALLBACK;
}

/** The error codes the API puts in APP_URL/login?error=<code> when an OAuth sign-in fails. */
const OAUTH_MESSAGES: Record<string, string> = {
  access_denied: 'You cancelled the sign-in at the provider.',
  oauth_failed: 'The provider could not sign you in. Try again.',
  code_exchange_failed: 'The provider could not sign you in. Try again.',
  identity_rejected: 'The provider sent an identity we could not accept.',
  email_required: 'The provider did not share a verified email address.',
  email_not_verified:
    'An account with this email exists, and the provider did not confirm the address. Sign in with your password.',
  account_disabled: 'This account has been disabled.',
  provider_unavailable: 'The sign-in provider is unavailable right now. Try again later.',
};

export function oauthErrorMessage(code: string): string {
  return OAUTH_MESSAGES[code] ?? 'Signing in with the provider failed. Try again.';
}
