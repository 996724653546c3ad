// Passkeys in the browser: the API's WebAuthn options (JSON) become navigator.credentials calls, and
// the credential comes back as the JSON the API takes (base64url fields). No library: the two
// conversions are all there is to it.
import type { Client } from 'openapi-fetch';
import type { components, paths } from './api.js';

export type Passkey = components['schemas']['Passkey'];

type Json = Record<string, unknown>;

const toBytes = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (char) => char.charCodeAt(0));
const toText = (buffer: ArrayBuffer | null | undefined) =>
  buffer
    ? btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '')
    : undefined;

const withBinaryIds = (list: unknown) =>
  ((list as Json[] | undefined) ?? []).map((credential) => ({ ...credential, id: toBytes(credential.id as string) }));

/** What navigator.credentials is, where there is one (the client's types have no DOM library). */
interface CredentialsContainer {
  create(options: { publicKey: unknown }): Promise<unknown>;
  get(options: { publicKey: unknown }): Promise<unknown>;
}

function credentials(): CredentialsContainer {
  const container = (globalThis as { navigator?: { credentials?: CredentialsContainer } }).navigator?.credentials;
  if (!container) throw new Error('Passkeys need a browser with WebAuthn (navigator.credentials).');
  return container;
}

interface BrowserCredential {
  id: string;
  rawId: ArrayBuffer;
  type: string;
  authenticatorAttachment?: string | null;
  getClientExtensionResults(): Json;
  response: {
    clientDataJSON: ArrayBuffer;
    attestationObject?: ArrayBuffer;
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
    getTransports?(): string[];
  };
}

function toJson(credential: BrowserCredential) {
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toText(credential.rawId)!,
    type: 'public-key' as const,
    clientExtensionResults: credential.getClientExtensionResults(),
    ...(credential.authenticatorAttachment
      ? { authenticatorAttachment: credential.authenticatorAttachment as 'platform' | 'cross-platform' }
      : {}),
    response: {
      clientDataJSON: toText(response.clientDataJSON)!,
      ...(response.attestationObject ? { attestationObject: toText(response.attestationObject)! } : {}),
      ...(response.authenticatorData ? { authenticatorData: toText(response.authenticatorData)! } : {}),
      ...(response.signature ? { signature: toText(response.signature)! } : {}),
      ...(response.userHandle ? { userHandle: toText(response.userHandle)! } : {}),
      ...(response.getTransports ? { transports: response.getTransports() } : {}),
    },
  };
}

/** navigator.credentials.create() with the API's creation options; the credential as JSON. */
export async function createPasskey(options: Json) {
  const user = options.user as Json;
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge as string),
    user: { ...user, id: toBytes(user.id as string) },
    excludeCredentials: withBinaryIds(options.excludeCredentials),
  };
  return toJson((await credentials().create({ publicKey })) as BrowserCredential) as PasskeyRegistration;
}

/** navigator.credentials.get() with the API's request options; the assertion as JSON. */
export async function getPasskey(options: Json) {
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge as string),
    allowCredentials: withBinaryIds(options.allowCredentials),
  };
  return toJson((await credentials().get({ publicKey })) as BrowserCredential) as PasskeyAssertion;
}

type PasskeyRegistration = components['schemas']['PasskeyRegistration'];
type PasskeyAssertion = components['schemas']['PasskeyAssertion'];

export interface PasskeysApi {
  list(): Promise<Passkey[]>;
  /**
   * Creates a passkey in the browser and adds it. Needs a recent sign-in (else STEP_UP_REQUIRED:
   * `twoFactor.stepUp(...)`, then again). It then signs in without a password, and counts as a second factor.
   */
  add(input?: { name?: string }): Promise<Passkey>;
  rename(id: string, name: string): Promise<Passkey>;
  /** Not the last way to sign in (409 LAST_SIGN_IN_METHOD). */
  remove(id: string): Promise<void>;
}

export function createPasskeys(api: Client<paths>): PasskeysApi {
  const path = (id: string) => ({ params: { path: { id } } });
  return {
    list: async () => (await api.GET('/api/me/passkeys')).data!.passkeys,
    async add(input = {}) {
      const options = (await api.POST('/api/me/passkeys/options')).data!;
      const response = await createPasskey(options);
      return (await api.POST('/api/me/passkeys', { body: { response, ...input } })).data!;
    },
    rename: async (id, name) => (await api.PATCH('/api/me/passkeys/{id}', { ...path(id), body: { name } })).data!,
    async remove(id) {
      await api.DELETE('/api/me/passkeys/{id}', path(id));
    },
  };
}
