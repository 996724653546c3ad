// Second-factor secrets at rest: AES-256-GCM under a key from settings, so a copy of the database
// alone does not give away anyone's authenticator secret. A key ring, like the signing keys: the
// first key encrypts, every key decrypts (each sealed value names its key), so rotating is adding a
// new key first, re-sealing or waiting, then removing the old one.

export interface SealingKey {
  id: string;
  key: CryptoKey;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * The ring from its setting: `<id>:<32 bytes, base64url>` entries, comma-separated, the first one
 * sealing. A string says what is wrong (for the settings error), never echoing a key.
 */
export async function parseSealingKeys(setting: string): Promise<SealingKey[] | string> {
  const entries = setting
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'must hold at least one key';
  const keys: SealingKey[] = [];
  for (const entry of entries) {
    const [id, material, extra] = entry.split(':');
    if (extra !== undefined || !id || !KEY_ID.test(id) || material === undefined) {
      return 'must be <id>:<key> entries, comma-separated (ids: letters, digits, - and _)';
    }
    const bytes = fromBase64Url(material);
    if (!bytes || bytes.length !== 32) return `key "${id}" must be 32 random bytes, base64url`;
    if (keys.some((key) => key.id === id)) return `has the key id "${id}" twice`;
    keys.push({ id, key: await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']) });
  }
  return keys;
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
