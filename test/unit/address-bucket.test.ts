// addressBucket: IPv4 by address, IPv6 by /64 whatever its spelling, IPv4-mapped IPv6 as IPv4, anything else shared.
import { describe, expect, it } from 'vitest';
import { addressBucket, UNPARSEABLE_BUCKET } from '../../src/lib/address-bucket';

describe('addressBucket', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:1::2:3', '2001:db8:1:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::ffff:c000:201', '192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('%s → %s', (ip, bucket) => {
    expect(addressBucket(ip)).toBe(bucket);
  });

  it('writes IPv4 canonically', () => {
    expect(addressBucket('010.000.000.001')).toBe('10.0.0.1');
  });

  it.each([
    '2001:db8::1::2',
    '2001:db8:1:2:3:4:5:6:7',
    '2001:db8:1:2:3:4:5',
    'g::1',
    '::ffff:300.1.1.1',
    '12345::1',
    '[::1]',
    '256.1.1.1',
    '1.2.3',
    'localhost',
    '',
  ])('puts the unparseable %j in one shared bucket (fail closed)', (ip) => {
    expect(addressBucket(ip)).toBe(UNPARSEABLE_BUCKET);
  });
});
