// MFA_ENCRYPTION_KEYS read and checked, synchronously and without importing any key: the settings
// check (config.ts) runs it at start-up; the sealing itself (secret-box.ts) loads with the feature.

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A key of the ring as the setting gives it, before import. */
export interface SealingKeyMaterial {
  id: string;
  bytes: Uint8Array;
}

/**
 * The ring from its setting: `<id>:<32 bytes, base64url>` entries, comma-separated, the first one
 * sealing. A string says what is wrong (for the settings error), never echoing a key. Synchronous,
 * so the settings check (config.ts) can run it; `importSealingKeys` makes the keys usable.
 */
export function readSealingKeys(setting: string): SealingKeyMaterial[] | string {
  const entries = setting
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'must hold at least one key';
  const keys: SealingKeyMaterial[] = [];
  for (const entry of entries) {
    const [id, material, extra] = entry.split(':');
    if (extra !== undefined || !id || !KEY_ID.test(id) || material === undefined) {
      return 'must be <id>:<key> entries, comma-separated (ids: letters, digits, - and _)';
    }
    const bytes = fromBase64Url(material);
    if (!bytes || bytes.length !== 32) return `key "${id}" must be 32 random bytes, base64url`;
    if (keys.some((key) => key.id === id)) return `has the key id "${id}" twice`;
    keys.push({ id, bytes });
  }
  return keys;
}
