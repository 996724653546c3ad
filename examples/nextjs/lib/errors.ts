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
  LAST_SIGN_IN_METHOD:
    'This is your last way to sign in. Add another passkey or link a provider first (or keep your password).',
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
  API_KEY_LIMIT_REACHED:
    'There are as many API keys as one owner may have: 50 live, 200 counting those revoked or expired in the last 30 days. Revoke keys no longer used, or wait for old ones to leave the list.',
  CONFIG_ERROR: 'The server is misconfigured. Try again later.',
  DATABASE_UNAVAILABLE: 'The server is having trouble. Try again later.',
};

/** Codes whose message depends on what was being done, for errorMessage()'s `messages`. */
export type Messages = Partial<Record<ErrorCode, string>>;

/**
 * Setting up a second factor (an authenticator app, a passkey): the API answers 403 FORBIDDEN while
 * the email address is not verified.
 */
export const SETUP_MESSAGES: Messages = {
  FORBIDDEN: 'Verify your email address first (open the link we emailed you), then set up a second factor.',
};

/** Making an API key: the API answers 403 FORBIDDEN while the email address is not verified. */
export const API_KEY_MESSAGES: Messages = {
  FORBIDDEN: 'Verify your email address first (open the link we emailed you), then make an API key.',
};

/**
 * A passkey the API refused (SECOND_FACTOR_INVALID): not a code the user typed. Also what a copied
 * authenticator gets, whose signature counter did not grow past the last one the API saw.
 */
export const PASSKEY_MESSAGES: Messages = {
  SECOND_FACTOR_INVALID: 'That passkey was not accepted. Try again, or use another passkey or another way to sign in.',
};

/** Adding a passkey: also a verified address first, and VALIDATION_ERROR without a field (a duplicate, or too many). */
export const ADD_PASSKEY_MESSAGES: Messages = {
  ...SETUP_MESSAGES,
  ...PASSKEY_MESSAGES,
  VALIDATION_ERROR: 'This passkey is already on your account, or your account has as many passkeys as it may keep.',
};

/**
 * The browser's own refusals of a passkey ceremony (navigator.credentials), DOMExceptions by name.
 * NotAllowedError is the common one: the user closed the prompt, or it timed out.
 */
const BROWSER_MESSAGES: Record<string, string> = {
  NotAllowedError: 'The passkey prompt was closed or timed out. Nothing was changed: try again when you are ready.',
  AbortError: 'The passkey prompt was closed. Nothing was changed: try again when you are ready.',
  InvalidStateError: 'This device already holds a passkey for your account.',
  NotSupportedError: 'This browser or device cannot use that kind of passkey.',
  SecurityError: 'Passkeys are not set up for this site: the API must name it (WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS).',
};

const FALLBACK = 'Something went wrong. Try again.';

/**
 * A sentence for the user about `error` (anything a call may throw); `messages` replaces the usual
 * sentence for some codes (SETUP_MESSAGES, PASSKEY_MESSAGES, ADD_PASSKEY_MESSAGES, API_KEY_MESSAGES).
 */
export function errorMessage(error: unknown, messages: Messages = {}): string {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  if (Object.hasOwn(BROWSER_MESSAGES, name)) return BROWSER_MESSAGES[name]!;
  if (!isLiftoffError(error)) {
    // fetch rejects with a TypeError when the API cannot be reached (down, offline, blocked by CORS).
    return error instanceof TypeError ? 'The server could not be reached. Check your connection.' : FALLBACK;
  }
  if (error.code === 'VALIDATION_ERROR' && error.issues.length > 0) {
    // The issues name a field and say what is wrong with it ("password: is too common; choose another password").
    return `Please check: ${error.issues.map((issue) => `${issue.path || 'input'} ${issue.message}`).join('; ')}.`;
  }
  return messages[error.code] ?? MESSAGES[error.code] ?? FALLBACK;
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
