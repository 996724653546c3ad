// The email that tells a user an API key was just made with their account: a key outlives
// sessions and password resets, so one made by someone holding a stolen session must not go unseen.
// It names the key by its hint and scopes, not by its name (the maker chose that text).
import type { Condition } from '../db/client';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { GREETING, layout, type EmailContent } from '../email/templates';

interface MadeKey {
  start: string;
  last4: string;
  scopes: string;
  expiresAt: number | null;
  /** For an organization's key: the organization's name. */
  organizationName: string | undefined;
}

export function apiKeyCreatedEmail(appUrl: string, key: MadeKey): EmailContent {
  const url = key.organizationName === undefined ? `${appUrl}/api-keys` : `${appUrl}/organizations`;
  const until =
    key.expiresAt === null ? 'until it is revoked' : `until ${new Date(key.expiresAt).toUTCString()} or until revoked`;
  const lines = [
    GREETING,
    `An API key (${key.start}…${key.last4}, scopes: ${key.scopes}) was just made with your account` +
      (key.organizationName === undefined ? '.' : ` for the organization "${key.organizationName}".`),
    `It works ${until}, whatever happens to your sessions or your password. If this was not you, ` +
      'revoke it now, then change your password.',
  ];
  return {
    template: 'api_key_created',
    subject: 'A new API key was made',
    text: `${lines.join('\n\n')}\n\n${url}`,
    html: layout(lines, { label: 'Review API keys', url }),
  };
}

/** The notice's outbox row, for the creation's batch (sent only if `when` holds). */
export function apiKeyCreatedNotice(deps: Deps, maker: { id: string; email: string }, key: MadeKey, when: Condition) {
  return queueEmail(deps.db, {
    userId: maker.id,
    to: maker.email,
    content: apiKeyCreatedEmail(deps.config.appUrl, key),
    now: deps.now,
    when,
  });
}
