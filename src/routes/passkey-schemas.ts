// What a browser sends back from a WebAuthn ceremony (PublicKeyCredential.toJSON(), WebAuthn Level
// 3), bounded: the WebAuthn library checks the contents.
import { z } from '@hono/zod-openapi';
import { MAX_CREDENTIAL_ID_LENGTH } from '../db/passkeys';

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
type Transport = (typeof TRANSPORTS)[number];

const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, { error: 'must be base64url' });

const common = {
  id: base64url(MAX_CREDENTIAL_ID_LENGTH),
  rawId: base64url(MAX_CREDENTIAL_ID_LENGTH),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const passkeyRegistrationInput = z
  .object({
    ...common,
    response: z.object({
      clientDataJSON: base64url(4096),
      attestationObject: base64url(8192),
      authenticatorData: base64url(4096).optional(),
      // Transports a later browser names are dropped, not refused.
      transports: z
        .array(z.string().max(32))
        .max(10)
        .transform((names) =>
          names.filter((name): name is Transport => (TRANSPORTS as readonly string[]).includes(name)),
        )
        .optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url(4096).optional(),
    }),
  })
  .openapi('PasskeyRegistration');

export const passkeyAssertionInput = z
  .object({
    ...common,
    response: z.object({
      clientDataJSON: base64url(4096),
      authenticatorData: base64url(4096),
      signature: base64url(1024),
      userHandle: base64url(1024).optional(),
    }),
  })
  .openapi('PasskeyAssertion');
