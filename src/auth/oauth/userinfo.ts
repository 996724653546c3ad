// The OpenID Connect userinfo endpoint (Core §5.3): where many providers (oidc-provider by default,
// Okta, Entra ID) serve the email claims the ID token leaves out.
import { fetchFromProvider, providerText } from './provider-fetch';

export class UserinfoError extends Error {
  override name = 'UserinfoError';
}

/** The claims userinfo returns for this access token, checked to be about the ID token's subject (Core §5.3.2). */
export async function fetchUserinfo(
  endpoint: string,
  accessToken: string,
  subject: string,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchFromProvider(endpoint, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    });
  } catch (err) {
    throw new UserinfoError(`userinfo request failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!response.ok) throw new UserinfoError(`userinfo answered ${response.status}`);
  // Signed or encrypted userinfo (application/jwt) is an option a client registers for; we do not.
  if (!(response.headers.get('Content-Type') ?? '').includes('application/json')) {
    throw new UserinfoError(`userinfo answered ${providerText(response.headers.get('Content-Type'))}, not JSON`);
  }
  const claims: unknown = await response.json().catch(() => null);
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new UserinfoError('userinfo is not a JSON object');
  }
  // Token substitution: claims about another subject must not be mixed into this one's.
  if ((claims as { sub?: unknown }).sub !== subject) throw new UserinfoError("userinfo's sub is not the ID token's");
  return claims as Record<string, unknown>;
}
