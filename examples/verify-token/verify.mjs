// Verify a Liftoff access token from another Node service, with no shared secret: jose's
// createRemoteJWKSet fetches (and caches) the public keys from /.well-known/jwks.json.
//
//   node verify.mjs https://api.example.com <access token>
//
// Prints the verified claims as JSON, or exits 1 with the reason.
import { createRemoteJWKSet, jwtVerify } from 'jose';

export async function verifyLiftoffToken(apiUrl, token) {
  const jwks = createRemoteJWKSet(new URL(`${apiUrl}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: apiUrl,
    audience: apiUrl,
    typ: 'at+jwt',
    algorithms: ['ES256', 'EdDSA'],
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  return payload;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(JSON.stringify(await verifyLiftoffToken(process.argv[2], process.argv[3])));
  } catch (error) {
    console.error(`invalid: ${error.code ?? error.name}: ${error.message}`);
    process.exit(1);
  }
}
