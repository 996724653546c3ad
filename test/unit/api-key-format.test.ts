// API keys as text (issue 19's groundwork): the format, the checksum that refuses typos without a
// database read, and CRC-32 against zlib's known values.
import { describe, expect, it } from 'vitest';
import { crc32, isWellFormedApiKey, keyHints, newApiKey, secretScanningPattern } from '../../src/api-keys/key-format';
import { API_KEY_PREFIX } from '../../src/config';

const PREFIX = 'sk_live_';

describe('API key format', () => {
  it('computes CRC-32 as zlib does', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926); // the CRC-32 check value
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('makes keys of a fixed, scannable form that check out', () => {
    const keys = Array.from({ length: 200 }, () => newApiKey(PREFIX));
    expect(new Set(keys).size).toBe(200);
    // README's "Secret scanning" shows this pattern for the default production prefix.
    expect(secretScanningPattern('lk_live_')).toBe('lk_live_[0-9A-Za-z]{49}');
    const pattern = new RegExp(`^${secretScanningPattern(PREFIX)}$`);
    for (const key of keys) {
      expect(key).toHaveLength(PREFIX.length + 49);
      expect(key).toMatch(pattern);
      expect(isWellFormedApiKey(PREFIX, key)).toBe(true);
    }
  });

  it('refuses every one-character typo, truncation, other prefixes and foreign characters', () => {
    const key = newApiKey(PREFIX);
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    for (let i = PREFIX.length; i < key.length; i++) {
      for (const char of [
        alphabet[(alphabet.indexOf(key[i]!) + 1) % 62]!,
        alphabet[(alphabet.indexOf(key[i]!) + 31) % 62]!,
      ]) {
        expect(isWellFormedApiKey(PREFIX, key.slice(0, i) + char + key.slice(i + 1))).toBe(false);
      }
    }
    for (const bad of [
      key.slice(0, -1),
      `${key}0`,
      key.replace(PREFIX, 'sk_test_'),
      `${key.slice(0, -2)}-_`,
      '',
      PREFIX,
    ]) {
      expect(isWellFormedApiKey(PREFIX, bad)).toBe(false);
    }
  });

  it('shows only a hint of a key, and takes prefixes of a sane form', () => {
    const key = newApiKey(PREFIX);
    expect(keyHints(key, PREFIX)).toEqual({ start: key.slice(0, PREFIX.length + 4), last4: key.slice(-4) });
    for (const good of ['sk_live_', 'sk_test_', 'acme_']) expect(good).toMatch(API_KEY_PREFIX);
    for (const bad of ['sk', 'SK_live_', 'sk-live-', '_sk_', 'a_b_c_']) expect(bad).not.toMatch(API_KEY_PREFIX);
  });
});
