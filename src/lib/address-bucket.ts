// The unit a per-address rate limit counts: an IPv4 address, or the /64 an IPv6 address belongs to.
// One IPv6 client (a home, a phone, a cloud VM) is routinely given a whole /64, so counting single
// IPv6 addresses would hand every such client 2^64 fresh buckets.

/** The eight 16-bit groups of an IPv6 address, or null if `text` is not one. */
function ipv6Groups(text: string): number[] | null {
  let address = text.split('%')[0]!.toLowerCase(); // drop a zone id (fe80::1%eth0)
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as the last two groups.
  const ipv4Tail = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (ipv4Tail) {
    const bytes = ipv4Tail.slice(1).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    address = `${address.slice(0, ipv4Tail.index)}${hex(bytes[0]!, bytes[1]!)}:${hex(bytes[2]!, bytes[3]!)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/** One bucket for every value that is no address: fail closed, so made-up values share one limit. */
export const UNPARSEABLE_BUCKET = 'unparseable';

/** An IPv4 address in its canonical form (no leading zeros), or null. */
function canonicalIpv4(text: string): string | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const bytes = match?.slice(1).map(Number);
  return bytes && bytes.every((b) => b <= 255) ? bytes.join('.') : null;
}

/**
 * `192.0.2.1` → itself; `2001:db8:1:2:3:4:5:6` (in any spelling) → `2001:db8:1:2::/64`; an
 * IPv4-mapped IPv6 address → its IPv4 address. Cloudflare always sends a well-formed address;
 * anything else (a hand-made header) lands in one shared bucket.
 */
export function addressBucket(ip: string): string {
  if (!ip.includes(':')) return canonicalIpv4(ip) ?? UNPARSEABLE_BUCKET;
  const groups = ipv6Groups(ip);
  if (!groups) return UNPARSEABLE_BUCKET;
  const isIpv4Mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (isIpv4Mapped) return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
