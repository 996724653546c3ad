// Generates JWT signing keys as a private JWK Set, the format JWT_SIGNING_KEYS expects.
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

export const SUPPORTED_ALGORITHMS = ['ES256', 'EdDSA'];

/** One private JWK with a fresh random kid; `alg` is ES256 (P-256) or EdDSA (Ed25519). */
export async function generateSigningKey(alg = 'ES256') {
  if (!SUPPORTED_ALGORITHMS.includes(alg)) {
    throw new Error(`Unsupported algorithm ${alg}; use one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
  }
  const options = alg === 'EdDSA' ? { extractable: true, crv: 'Ed25519' } : { extractable: true };
  const { privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

export async function generateSigningKeySet(alg = 'ES256') {
  return { keys: [await generateSigningKey(alg)] };
}
