// API keys in words: what each scope lets a key do, and the expiry a date field means. The scopes
// are typed from the API's OpenAPI document (ApiKeyScope): a scope the API adds fails this file's
// type check until it is described here.
import type { ApiKeyScope } from '@liftoff/client';

/** Each scope, as the create form offers it (the API's own descriptions: src/api-keys/scopes.ts). */
export const SCOPES: Record<ApiKeyScope, { label: string; hint: string }> = {
  read: { label: 'Read', hint: 'Read the owner’s data: the read routes (a user’s key: the account too).' },
  write: { label: 'Write', hint: 'Change the owner’s data: the write routes (a user’s key: the account’s name too).' },
  'billing:read': { label: 'Read billing', hint: 'Read the owner’s subscription.' },
};

export const SCOPE_NAMES = Object.keys(SCOPES) as ApiKeyScope[];

/** Today in the browser's time zone (YYYY-MM-DD), the earliest day a key may expire. */
export const today = () => new Date().toLocaleDateString('en-CA');

/**
 * A date field's day (YYYY-MM-DD) as the API's `expires_at`: the end of that day in the browser's
 * time zone, so a key set to expire "on the 3rd" still works all of the 3rd.
 */
export const endOfDay = (day: string) => new Date(`${day}T23:59:59.999`).toISOString();
