// Recovery codes: 10 single-use codes of 80 random bits, shown once, stored as SHA-256 (random
// codes need no slow hash). Typed back, case, spaces and dashes do not matter.
import { sha256Base64Url } from '../lib/crypto';
import { base32Encode } from './totp';

export const RECOVERY_CODE_COUNT = 10;

/** `xxxx-xxxx-xxxx-xxxx` in lowercase base32. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const text = base32Encode(crypto.getRandomValues(new Uint8Array(10))).toLowerCase();
    return text.match(/.{4}/g)!.join('-');
  });
}

/** The stored form of a code as typed (null when it cannot be one). */
export function hashRecoveryCode(typed: string): Promise<string> | null {
  const normalised = typed.toLowerCase().replace(/[\s-]/g, '');
  if (!/^[a-z2-7]{16}$/.test(normalised)) return null;
  return sha256Base64Url(normalised);
}
