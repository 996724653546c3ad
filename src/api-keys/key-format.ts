// API keys as text: `<prefix><43 base62 characters: 256 random bits><6 base62 characters: CRC-32>`,
// e.g. `lk_live_…`. The checksum lets a mistyped or truncated key, or a random string, be refused
// before any database read (it is public: it filters mistakes, not forgeries), and gives secret
// scanners a pattern with few false positives (GitHub's tokens do the same). Only the key's SHA-256 is stored: 256 random bits need no slow hash.

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^43 > 2^256: every 32-byte value fits in 43 characters. */
export const RANDOM_LENGTH = 43;
export const CHECKSUM_LENGTH = 6;
const RANDOM_BYTES = 32;

function toBase62(value: bigint, width: number): string {
  let text = '';
  for (let rest = value; rest > 0n; rest /= 62n) text = BASE62[Number(rest % 62n)]! + text;
  return text.padStart(width, '0');
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, as zlib computes it) of the text's UTF-8 bytes. */
export function crc32(text: string): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const checksumOf = (body: string) => toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);

/** A new key under `prefix` (shown to its owner once). */
export function newApiKey(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  const value = bytes.reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
  const body = prefix + toBase62(value, RANDOM_LENGTH);
  return body + checksumOf(body);
}

/** True when `text` has the form of a key under `prefix` and its checksum matches: no database needed. */
export function isWellFormedApiKey(prefix: string, text: string): boolean {
  if (text.length !== prefix.length + RANDOM_LENGTH + CHECKSUM_LENGTH || !text.startsWith(prefix)) return false;
  const rest = text.slice(prefix.length);
  for (const char of rest) if (!BASE62.includes(char)) return false;
  const body = text.slice(0, text.length - CHECKSUM_LENGTH);
  return checksumOf(body) === text.slice(-CHECKSUM_LENGTH);
}

/** What lists show of a key: its prefix with the first 4 random characters, and its last 4. */
export function keyHints(key: string, prefix: string) {
  return { start: key.slice(0, prefix.length + 4), last4: key.slice(-4) };
}

/** The regular expression secret scanners can use for keys under `prefix` (README, Secret scanning). */
export const secretScanningPattern = (prefix: string) => `${prefix}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}`;
