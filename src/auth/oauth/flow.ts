// The OAuth round trip: start (state, PKCE, nonce, a short-lived cookie) and callback (checks, exchange, sign-in).
import { CodeChallengeMethod, generateCodeVerifier, generateState } from 'arctic';
import { z } from 'zod';
import { isUniqueViolation } from '../../db/client';
import { recordOAuthStateUse } from '../../db/oauth-accounts';
import type { Deps } from '../../deps';
import { AppError } from '../../errors';
import { constantTimeEqual, randomToken, sha256Base64Url } from '../../lib/crypto';
import { PROVIDER_NAMES, type ProviderName } from './identity';
import { oauthProvider, type OAuthProvider } from './providers';
import { providerText } from './provider-fetch';
import { safeRedirectPath } from './redirect-path';
import { OAuthSignInRefused, signInWithIdentity, type OAuthSignedIn } from './sign-in';

/** What the state cookie carries between start and callback (10 minutes, HttpOnly, this path only). */
export const oauthStateSchema = z.object({
  provider: z.enum(PROVIDER_NAMES as [ProviderName, ...ProviderName[]]),
  state: z.string().min(16),
  verifier: z.string().min(43),
  nonce: z.string().min(16),
  redirectTo: z.string(),
  /** Checked at the callback: a browser enforces the cookie's Max-Age, a replaying client need not. */
  issuedAt: z.number().int(),
});

export const OAUTH_STATE_LIFETIME_MS = 10 * 60_000;

export type OAuthState = z.infer<typeof oauthStateSchema>;

export const providerNotConfigured = () => new AppError('PROVIDER_NOT_CONFIGURED');

const stateMismatch = () => new AppError('OAUTH_STATE_MISMATCH');

function providerOrThrow(deps: Deps, name: string): OAuthProvider {
  const provider = (PROVIDER_NAMES as readonly string[]).includes(name)
    ? oauthProvider(deps.config, name as ProviderName)
    : null;
  if (!provider) throw providerNotConfigured();
  return provider;
}

/** GET /oauth/:provider: where to send the browser, and what to remember in the state cookie. */
export async function beginOAuth(
  deps: Deps,
  name: string,
  redirectTo: string | undefined,
): Promise<{ location: string; state: OAuthState }> {
  const provider = providerOrThrow(deps, name);
  const path = safeRedirectPath(redirectTo, deps.config.appUrl);
  if (path === null) throw new AppError('REDIRECT_NOT_ALLOWED');
  const state: OAuthState = {
    provider: provider.name,
    state: generateState(),
    verifier: generateCodeVerifier(),
    nonce: randomToken(16),
    redirectTo: path,
    issuedAt: deps.now.getTime(),
  };
  let authorizationUrl: string;
  try {
    ({ authorizationUrl } = await provider.endpoints());
  } catch (err) {
    // The reason (discovery unreachable, an issuer that differs by a trailing slash...) goes to the log.
    deps.log.warn('oauth provider unavailable', { provider: provider.name, error: String(err) });
    throw new OAuthSignInRefused('provider_unavailable');
  }
  const url = provider.client.createAuthorizationURLWithPKCE(
    authorizationUrl,
    state.state,
    CodeChallengeMethod.S256,
    state.verifier,
    provider.scopes,
  );
  // Binds the ID token to this browser's attempt (OpenID Connect Core §3.1.2.1); GitHub ignores it.
  url.searchParams.set('nonce', state.nonce);
  let requestUri: string | null = null;
  try {
    requestUri = (await provider.pushAuthorizationRequest?.(url.searchParams)) ?? null;
  } catch (err) {
    deps.log.warn('oauth provider unavailable', { provider: provider.name, error: String(err) });
    throw new OAuthSignInRefused('provider_unavailable');
  }
  if (requestUri !== null) {
    // The parameters now live at the provider; the browser carries only their reference (RFC 9126 §4).
    const pushed = new URL(authorizationUrl);
    pushed.searchParams.set('client_id', url.searchParams.get('client_id')!);
    pushed.searchParams.set('request_uri', requestUri);
    return { location: pushed.toString(), state };
  }
  return { location: url.toString(), state };
}

/** Provider error codes are echoed to the front end only in a safe shape. */
function providerErrorCode(error: string): string {
  return /^[a-z_]{1,64}$/.test(error) ? error : 'oauth_failed';
}

/** GET /oauth/:provider/callback: every check, then the code exchange, then sign-in or sign-up. */
export async function finishOAuth(
  deps: Deps,
  name: string,
  input: { code?: string; state?: string; iss?: string; error?: string; cookie: OAuthState | null },
): Promise<OAuthSignedIn & { redirectTo: string }> {
  const provider = providerOrThrow(deps, name);
  // RFC 9207 §2.4: error responses carry `iss` too; one from another provider is not reported as ours.
  if (input.error !== undefined) {
    await checkResponseIssuer(deps, provider, input.iss);
    throw new OAuthSignInRefused(providerErrorCode(input.error));
  }
  const cookie = input.cookie;
  if (!cookie || cookie.provider !== provider.name || input.state === undefined) throw stateMismatch();
  const age = deps.now.getTime() - cookie.issuedAt;
  if (age < 0 || age > OAUTH_STATE_LIFETIME_MS) throw stateMismatch();
  const encoder = new TextEncoder();
  if (!constantTimeEqual(encoder.encode(input.state), encoder.encode(cookie.state))) throw stateMismatch();
  await checkResponseIssuer(deps, provider, input.iss);
  // The cookie is cleared at once, but a client could replay it: D1 remembers every used state.
  try {
    await recordOAuthStateUse(deps.db, await sha256Base64Url(cookie.state), deps.now);
  } catch (err) {
    if (isUniqueViolation(err, 'oauth_state_uses.state_hash')) throw stateMismatch();
    throw err;
  }
  const redirectTo = safeRedirectPath(cookie.redirectTo, deps.config.appUrl) ?? '/';
  if (input.code === undefined || input.code === '') throw new OAuthSignInRefused('missing_code');

  let tokens;
  let tokenUrl: string | null = null;
  try {
    ({ tokenUrl } = await provider.endpoints());
    tokens = await exchangeCode(provider, tokenUrl, input.code, cookie.verifier);
  } catch (err) {
    // A provider may have moved its token endpoint: ask discovery again, and retry once if it moved.
    const moved = tokenUrl === null ? null : await movedTokenUrl(provider, tokenUrl);
    try {
      if (moved === null) throw err;
      tokens = await exchangeCode(provider, moved, input.code, cookie.verifier);
    } catch (finalErr) {
      deps.log.warn('oauth code exchange failed', { provider: provider.name, error: String(finalErr) });
      throw new OAuthSignInRefused('code_exchange_failed');
    }
  }
  let identity;
  try {
    identity = await provider.identify(tokens, cookie.nonce);
  } catch (err) {
    deps.log.warn('oauth identity rejected', { provider: provider.name, error: String(err) });
    throw new OAuthSignInRefused('identity_rejected');
  }
  const signedIn = await signInWithIdentity(deps, provider.name, identity, redirectTo);
  return { ...signedIn, redirectTo };
}

async function exchangeCode(provider: OAuthProvider, tokenUrl: string, code: string, verifier: string) {
  const tokens = await provider.exchangeCode(tokenUrl, code, verifier);
  // GitHub reports a bad code as 200 {"error": "bad_verification_code"}.
  if ('error' in tokens.data)
    throw new Error(`token endpoint error: ${String((tokens.data as { error: unknown }).error)}`);
  return tokens;
}

/** The token endpoint after asking discovery again, or null when it is still `used` (or cannot be asked). */
async function movedTokenUrl(provider: OAuthProvider, used: string): Promise<string | null> {
  try {
    const after = (await provider.endpoints({ refresh: true })).tokenUrl;
    return after === used ? null : after;
  } catch {
    return null;
  }
}

/**
 * RFC 9207, the mix-up defence, for providers with a discovery document (the generic OIDC one): if
 * it advertises `iss` in its authorization responses, `iss` must be there; any `iss` that arrives
 * must be exactly its issuer. Else the response may come from another provider the user was sent
 * to, and the sign-in fails like a state mismatch. (Google and GitHub have fixed endpoints and their
 * own callback paths, which the state cookie is bound to.)
 */
async function checkResponseIssuer(deps: Deps, provider: OAuthProvider, iss: string | undefined) {
  if (iss === undefined && provider.name !== 'oidc') return;
  let endpoints;
  try {
    endpoints = await provider.endpoints();
  } catch (err) {
    deps.log.warn('oauth provider unavailable', { provider: provider.name, error: String(err) });
    throw new OAuthSignInRefused('provider_unavailable');
  }
  if (endpoints.issuer === null) return;
  if (iss === undefined ? endpoints.sendsIssuer : iss !== endpoints.issuer) {
    deps.log.warn('oauth callback refused', {
      provider: provider.name,
      reason:
        iss === undefined ? 'the provider sends iss (RFC 9207) and this callback has none' : 'iss is not the issuer',
      iss: iss === undefined ? undefined : providerText(iss),
      issuer: endpoints.issuer,
    });
    throw stateMismatch();
  }
}
