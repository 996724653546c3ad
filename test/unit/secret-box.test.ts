// Second-factor secrets sealed with AES-256-GCM under the settings' key ring: round trip, rotation
// (the first key seals, every key opens), tampering and context binding refused, bad settings named.
import { describe, expect, it } from 'vitest';
import { open, parseSealingKeys, seal, sealedBy, type SealingKey } from '../../src/mfa/secret-box';

const keyText = () =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function ring(setting: string): Promise<SealingKey[]> {
  const keys = await parseSealingKeys(setting);
  if (typeof keys === 'string') throw new Error(keys);
  return keys;
}

describe('secret box', () => {
  it('opens what it sealed, only in the same context', async () => {
    const keys = await ring(`k1:${keyText()}`);
    const secret = crypto.getRandomValues(new Uint8Array(20));
    const sealed = await seal(keys, secret, 'user-1');
    expect(sealed).toMatch(/^k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(await open(keys, sealed, 'user-1')).toEqual(secret);
    expect(await open(keys, sealed, 'user-2')).toBeNull();
    expect(await seal(keys, secret, 'user-1')).not.toBe(sealed); // a fresh IV each time
  });

  it('rotates: a new first key seals, the old one still opens, and removing it ends its values', async () => {
    const oldKey = `old:${keyText()}`;
    const before = await ring(oldKey);
    const sealed = await seal(before, new Uint8Array([1, 2, 3]), 'u');
    const rotated = await ring(`new:${keyText()}, ${oldKey}`);
    expect(await open(rotated, sealed, 'u')).toEqual(new Uint8Array([1, 2, 3]));
    expect(sealedBy(await seal(rotated, new Uint8Array([4]), 'u'))).toBe('new');
    expect(await open(await ring(`new:${keyText()}`), sealed, 'u')).toBeNull();
  });

  it('refuses altered, truncated and malformed values', async () => {
    const keys = await ring(`k1:${keyText()}`);
    const sealed = await seal(keys, new Uint8Array([9, 9, 9]), 'u');
    const [id, iv, body] = sealed.split('.') as [string, string, string];
    const flipped = `${body.slice(0, -2)}${body.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [
      `${id}.${iv}.${flipped}`,
      `${id}.${iv}`,
      `${id}.${iv}.${body}.x`,
      'k2.' + iv + '.' + body,
      `${id}.!!.${body}`,
      '',
    ]) {
      expect(await open(keys, bad, 'u')).toBeNull();
    }
  });

  it('names what is wrong with the setting, never the key', async () => {
    const material = keyText();
    expect(await parseSealingKeys('')).toBe('must hold at least one key');
    expect(await parseSealingKeys(material)).toMatch(/<id>:<key>/);
    expect(await parseSealingKeys('k1:short')).toBe('key "k1" must be 32 random bytes, base64url');
    expect(await parseSealingKeys(`k1:${material},k1:${keyText()}`)).toBe('has the key id "k1" twice');
    expect(await parseSealingKeys('bad id:' + material)).not.toContain(material);
  });
});
