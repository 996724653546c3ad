// GET /api/whoami: server-side code trusting Liftoff's access tokens with no shared secret. The
// token is checked against the API's public keys (its JWKS), pinning issuer, audience, type and
// algorithms exactly as the API itself does; failures answer like the API ({error, code}, 401).
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

// One key set per API origin, kept for the life of the server: jose caches the keys and fetches
// them again only for an unknown `kid` (a key rotation), at most every 30 seconds.
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function keySetFor(apiUrl: string) {
  let keySet = keySets.get(apiUrl);
  if (!keySet) keySets.set(apiUrl, (keySet = createRemoteJWKSet(new URL('/.well-known/jwks.json', apiUrl))));
  return keySet;
}

// As the API reads the header (src/middleware/require-auth.ts): the scheme in any case, one or more
// spaces, then the token.
const BEARER = /^Bearer +([^\s]+)$/i;

function unauthorized(code: string, error: string) {
  return Response.json({ error, code }, { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
}

export async function GET(request: Request) {
  const apiUrl = process.env.LIFTOFF_API_URL ?? 'http://localhost:8787';
  const header = request.headers.get('Authorization')?.trim();
  if (!header) return unauthorized('AUTH_HEADER_MISSING', 'Send Authorization: Bearer <access token>.');
  const token = BEARER.exec(header)?.[1];
  if (!token) return unauthorized('AUTH_HEADER_MALFORMED', 'The Authorization header must be Bearer <access token>.');
  try {
    const { payload } = await jwtVerify(token, keySetFor(apiUrl), {
      issuer: apiUrl,
      audience: apiUrl,
      typ: 'at+jwt',
      algorithms: ['ES256', 'EdDSA'],
      // The claims the API requires of its own access tokens; a token without them is TOKEN_INVALID there too.
      requiredClaims: ['exp', 'iat', 'sub', 'jti', 'sid', 'role'],
    });
    const { sub, sid, role } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || (role !== 'user' && role !== 'admin')) {
      return unauthorized('TOKEN_INVALID', 'The access token is not valid.');
    }
    // What a server of yours would act on: who (sub), which session (sid) and their role.
    return Response.json({ sub, sid, role, exp: payload.exp }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (error) {
    if (error instanceof errors.JWTExpired) return unauthorized('TOKEN_EXPIRED', 'The access token has expired.');
    // The keys could not be had (the API is down, slow, or answered no key set): not the token's
    // fault, so not TOKEN_INVALID, which would make a client throw its session away. The same code as
    // the Python examples (examples/python).
    const keysUnavailable =
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      !(error instanceof errors.JOSEError) ||
      error.code === 'ERR_JOSE_GENERIC'; // jose's "Expected 200 OK from the JSON Web Key Set HTTP response"
    if (keysUnavailable) {
      return Response.json(
        { error: "The API's keys could not be fetched; retry later.", code: 'JWKS_UNAVAILABLE' },
        { status: 503, headers: { 'Retry-After': '30' } },
      );
    }
    return unauthorized('TOKEN_INVALID', 'The access token is not valid.');
  }
}
