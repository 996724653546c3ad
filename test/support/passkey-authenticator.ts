// A software passkey authenticator for tests that run without a browser: an ES256 key in WebCrypto,
// answering registration ('none' attestation) and assertions as navigator.credentials would, in the
// JSON form the API takes (base64url fields). Its counter can be set, to play a cloned authenticator.
// The browser test (test/e2e/nextjs.test.ts) uses Chromium's virtual authenticator instead.

const encoder = new TextEncoder();

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromB64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Minimal CBOR (RFC 8949) for what WebAuthn needs: maps, text and byte strings, small integers. */
type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;
function cbor(value: Cbor): Uint8Array {
  const head = (major: number, length: number) =>
    length < 24
      ? new Uint8Array([(major << 5) | length])
      : length < 256
        ? new Uint8Array([(major << 5) | 24, length])
        : new Uint8Array([(major << 5) | 25, length >> 8, length & 0xff]);
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return concat(head(3, encoder.encode(value).length), encoder.encode(value));
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  return concat(head(5, value.size), ...[...value].flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

/** WebCrypto's ECDSA signature (r || s) as the DER WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let body = bytes.slice(i);
    if (body[0]! & 0x80) body = concat(new Uint8Array([0]), body);
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const sequence = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(new Uint8Array([0x30, sequence.length]), sequence);
}

const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

export interface SoftwarePasskey {
  id: string;
  counter: number;
  /** Flags for assertions: user verification on by default. */
  userVerified: boolean;
  register(options: { challenge: string }): Promise<Record<string, unknown>>;
  assert(options: { challenge: string }): Promise<Record<string, unknown>>;
}

/** A new authenticator for `origin` (the front end) and `rpId` (its host by default). */
export async function softwarePasskey(origin: string, rpId = new URL(origin).hostname): Promise<SoftwarePasskey> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey('jwk', keys.publicKey)) as JsonWebKey;
  const credentialId = crypto.getRandomValues(new Uint8Array(16));
  const rpIdHash = await sha256(encoder.encode(rpId));
  const counterBytes = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  const clientData = (type: string, challenge: string) =>
    encoder.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  const passkey: SoftwarePasskey = {
    id: b64url(credentialId),
    counter: 0,
    userVerified: true,
    async register({ challenge }) {
      const coseKey = cbor(
        new Map<Cbor, Cbor>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, fromB64url(jwk.x!)],
          [-3, fromB64url(jwk.y!)],
        ]),
      );
      const authData = concat(
        rpIdHash,
        new Uint8Array([0x45]), // UP | UV | AT
        counterBytes(passkey.counter),
        new Uint8Array(16), // AAGUID
        new Uint8Array([0, credentialId.length]),
        credentialId,
        coseKey,
      );
      const attestationObject = cbor(
        new Map<Cbor, Cbor>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]),
      );
      return {
        id: passkey.id,
        rawId: passkey.id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64url(clientData('webauthn.create', challenge)),
          attestationObject: b64url(attestationObject),
          transports: ['internal'],
        },
      };
    },
    async assert({ challenge }) {
      const authData = concat(
        rpIdHash,
        new Uint8Array([passkey.userVerified ? 0x05 : 0x01]),
        counterBytes(passkey.counter),
      );
      const clientDataJSON = clientData('webauthn.get', challenge);
      const signed = concat(authData, await sha256(clientDataJSON));
      const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, signed));
      return {
        id: passkey.id,
        rawId: passkey.id,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64url(clientDataJSON),
          authenticatorData: b64url(authData),
          signature: b64url(derSignature(raw)),
        },
      };
    },
  };
  return passkey;
}
