// Types for signing-keys.mjs, which Node runs directly (no build step for scripts).
export const SUPPORTED_ALGORITHMS: readonly ['ES256', 'EdDSA'];
export interface PrivateSigningJwk {
  kty: string;
  crv: string;
  x: string;
  y?: string;
  d: string;
  kid: string;
  alg: 'ES256' | 'EdDSA';
  use: 'sig';
}
export function generateSigningKey(alg?: 'ES256' | 'EdDSA'): Promise<PrivateSigningJwk>;
export function generateSigningKeySet(alg?: 'ES256' | 'EdDSA'): Promise<{ keys: PrivateSigningJwk[] }>;
