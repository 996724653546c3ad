// Back-channel requests to an OAuth / OpenID Connect provider (discovery, token, PAR, userinfo).

/** Long enough for a slow provider; short enough that a hung one does not hold the request. */
const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * fetch, without following redirects (a redirect could carry the code, the verifier or a
 * client_secret_post secret to another host, as oauth4webapi and jose also refuse) and with a
 * timeout. A 3xx answer is a failure.
 */
export async function fetchFromProvider(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) });
  if (response.status >= 300 && response.status < 400) {
    throw new Error(`${url} answered a ${response.status} redirect, which is not followed`);
  }
  return response;
}

/** A provider's text for our log lines and errors, capped: a provider (or whoever answers for it) writes it. */
export function providerText(value: unknown): string {
  return String(value).slice(0, 200);
}
