// TOTP against RFC 6238's test vectors (Appendix B, SHA-1) and RFC 4226's HOTP vectors, base32
// against RFC 4648's, and the ±1 step window that verification accepts.
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totp, totpStep } from '../../src/mfa/totp';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890');

describe('TOTP', () => {
  it("matches RFC 6238's SHA-1 test vectors (8 digits)", async () => {
    const vectors: [number, string][] = [
      [59, '94287082'],
      [1111111109, '07081804'],
      [1111111111, '14050471'],
      [1234567890, '89005924'],
      [2000000000, '69279037'],
      [20000000000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(await totp(RFC_SECRET, seconds * 1000, 8)).toBe(code);
  });

  it("matches RFC 4226's HOTP test vectors (6 digits)", async () => {
    const codes = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    for (const [counter, code] of codes.entries()) expect(await hotp(RFC_SECRET, counter)).toBe(code);
  });

  it('accepts the current step and one either side, says which, and refuses the rest', async () => {
    const now = 1_700_000_015_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      const code = await hotp(RFC_SECRET, step + offset);
      expect(await matchTotp(RFC_SECRET, code, now)).toBe(step + offset);
    }
    for (const offset of [-3, -2, 2, 3]) {
      const code = await hotp(RFC_SECRET, step + offset);
      // A code of a far step can collide with a near one by chance (1 in 10^6); these do not.
      expect(await matchTotp(RFC_SECRET, code, now)).toBeNull();
    }
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 12345', '12 345']) {
      expect(await matchTotp(RFC_SECRET, bad, now)).toBeNull();
    }
  });
});

describe('base32 and the otpauth URI', () => {
  it("round-trips RFC 4648's vectors, without padding", () => {
    const vectors: [string, string][] = [
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [text, encoded] of vectors) {
      expect(base32Encode(new TextEncoder().encode(text))).toBe(encoded);
      expect(new TextDecoder().decode(base32Decode(`${encoded.toLowerCase()}====`)!)).toBe(text);
    }
    expect(base32Decode('MZXW1')).toBeNull();
  });

  it('names the issuer and account and carries the parameters authenticator apps read', () => {
    const uri = new URL(otpauthUri({ issuer: 'Acme App', account: 'ada@example.com', secret: RFC_SECRET }));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme App:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      issuer: 'Acme App',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
