// The API keys' schemas, shared by their routes (routes/api-keys.ts) and the admin area's.
import { z } from '@hono/zod-openapi';
import { API_KEY_SCOPE_NAMES, API_KEY_SCOPES } from '../api-keys/scopes';
import { NOT_IN_A_NAME } from '../lib/display-name';

export const dateTime = () => z.string().openapi({ format: 'date-time' });

const scopeSchema = z.enum(API_KEY_SCOPE_NAMES).openapi('ApiKeyScope', {
  description: Object.entries(API_KEY_SCOPES)
    .map(([scope, meaning]) => `\`${scope}\`: ${meaning}`)
    .join(' '),
});

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    start: z.string().openapi({ description: 'The prefix and the first 4 random characters, to recognise it.' }),
    last4: z.string().openapi({ description: 'The last 4 characters.' }),
    owner: z.object({ type: z.enum(['user', 'organization']), id: z.string() }),
    scopes: z.array(scopeSchema),
    rate_limit_per_minute: z.number().int(),
    status: z.enum(['active', 'revoked', 'expired']),
    expires_at: dateTime().nullable(),
    created_at: dateTime(),
    created_by: z.string().nullable().openapi({ description: 'The id of the user who made it.' }),
    last_used_at: dateTime().nullable().openapi({ description: 'Recorded after the response, at most once a minute.' }),
    revoked_at: dateTime().nullable(),
  })
  .openapi('ApiKey');

export const newKeySchema = apiKeySchema
  .extend({ key: z.string().openapi({ description: 'The key: shown this once, store it now.' }) })
  .openapi('NewApiKey');

export const newKeyInput = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine((value) => !NOT_IN_A_NAME.test(value), { error: 'must be one line of text, without control characters' })
      .openapi({ example: 'Nightly export' }),
    scopes: z.array(scopeSchema).min(1).max(API_KEY_SCOPE_NAMES.length),
    expires_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'When it stops working; none: until revoked.' }),
    rate_limit_per_minute: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: 'Requests a minute; default and most: the API_KEY_RATE_LIMIT setting (600).' }),
  })
  .strict();
