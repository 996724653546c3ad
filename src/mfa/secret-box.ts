// Second-factor secrets at rest: AES-256-GCM under a key from settings, so a copy of the database
// alone does not give away anyone's authenticator secret. A key ring, like the signing keys: the
// first key encrypts, every key decrypts (each sealed value names its key), so rotating is adding a
// new key first, re-sealing or waiting, then removing the old one.

import { toBase64Url } from '../lib/crypto';
import { fromBase64Url, readSealingKeys, type SealingKeyMaterial } from './sealing-key-setting';

export { readSealingKeys, type SealingKeyMaterial };

export interface SealingKey {
  id: string;
  key: CryptoKey;
}

const IV_BYTES = 12;

export function importSealingKeys(material: SealingKeyMaterial[]): Promise<SealingKey[]> {
  return Promise.all(
    material.map(async ({ id, bytes }) => ({
      id,
      key: await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']),
    })),
  );
}

/** readSealingKeys, then importSealingKeys. */
export async function parseSealingKeys(setting: string): Promise<SealingKey[] | string> {
  const material = readSealingKeys(setting);
  return typeof material === 'string' ? material : importSealingKeys(material);
}

/** `<key id>.<iv>.<ciphertext and tag>`, sealed by the ring's first key; `context` binds it (e.g. the user id). */
export async function seal(keys: SealingKey[], plaintext: Uint8Array, context: string): Promise<string> {
  const sealing = keys[0];
  if (!sealing) throw new Error('no sealing key');
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const additionalData = new TextEncoder().encode(`${sealing.id}|${context}`);
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, sealing.key, plaintext);
  return `${sealing.id}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plaintext, or null when the value is malformed, its key is not in the ring, or it was altered or moved to another context. */
export async function open(keys: SealingKey[], value: string, context: string): Promise<Uint8Array | null> {
  const [id, ivText, sealedText, extra] = value.split('.');
  if (extra !== undefined || !id || ivText === undefined || sealedText === undefined) return null;
  const key = keys.find((candidate) => candidate.id === id);
  const iv = fromBase64Url(ivText);
  const sealed = fromBase64Url(sealedText);
  if (!key || !iv || iv.length !== IV_BYTES || !sealed) return null;
  try {
    const additionalData = new TextEncoder().encode(`${id}|${context}`);
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key.key, sealed));
  } catch {
    return null;
  }
}

/** The id of the key that sealed a value (to find values still sealed by a key being retired). */
export const sealedBy = (value: string) => value.split('.')[0] ?? '';
