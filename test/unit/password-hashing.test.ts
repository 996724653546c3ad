// Password hashing: format, verification, upgrades, the dummy hash and the common-password list.
import { describe, expect, it } from 'vitest';
import {
  CURRENT_PARAMS,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  isCommonPassword,
  needsRehash,
  verifyPassword,
} from '../../src/auth/passwords';

describe('passwords', () => {
  it('hashes with scrypt N=2^14, r=8, p=5 and a fresh salt, and verifies', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterz', first)).toBe(false);
    expect(needsRehash(first)).toBe(false);
  });

  it('treats canonically equivalent Unicode as the same password (NFKC)', async () => {
    const hash = await hashPassword('pa\u00f1ando-sobre-1');
    expect(await verifyPassword('pan\u0303ando-sobre-1', hash)).toBe(true);
  });

  it('flags weaker parameters for upgrade and still verifies them', async () => {
    const weak = await hashPassword('an old password', { logN: 10, r: 8, p: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(await verifyPassword('an old password', weak)).toBe(true);
  });

  it('never matches a malformed stored hash', async () => {
    for (const stored of ['', 'plain', '$scrypt$ln=14,r=8,p=5$bad', '$2b$10$abcdefghijklmnopqrstuv']) {
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });

  it('ships a dummy hash with the current parameters', () => {
    expect(
      DUMMY_PASSWORD_HASH.startsWith(`$scrypt$ln=${CURRENT_PARAMS.logN},r=${CURRENT_PARAMS.r},p=${CURRENT_PARAMS.p}$`),
    ).toBe(true);
    expect(needsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it('refuses common passwords case-insensitively and lets others through', async () => {
    expect(await isCommonPassword('password')).toBe(true);
    expect(await isCommonPassword('Password')).toBe(true);
    expect(await isCommonPassword('12345678')).toBe(true);
    expect(await isCommonPassword('iloveyou')).toBe(true);
    expect(await isCommonPassword('mauve-orbit-tundra-42')).toBe(false);
  });
});
