// The emails that tell a user their second factors changed: each change is announced, so an
// attacker who got in cannot quietly weaken the account.
import type { Condition } from '../db/client';
import type { Deps } from '../deps';
import { queueEmail } from '../email/outbox';
import { GREETING, layout, type EmailContent } from '../email/templates';

export type SecondFactorChange =
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_code_used'
  | 'recovery_codes_regenerated'
  | 'reset_by_admin'
  | 'passkey_added'
  | 'passkey_removed'
  | 'password_removed';

const SENTENCES: Record<SecondFactorChange, { subject: string; line: string }> = {
  totp_enabled: {
    subject: 'Two-step sign-in is on',
    line: 'An authenticator app was just set up on your account: signing in now needs a code from it.',
  },
  totp_disabled: {
    subject: 'Two-step sign-in is off',
    line: 'The authenticator app was just removed from your account.',
  },
  recovery_code_used: {
    subject: 'A recovery code was used',
    line: 'One of your recovery codes was just used to sign in or confirm an action. It cannot be used again.',
  },
  recovery_codes_regenerated: {
    subject: 'New recovery codes',
    line: 'New recovery codes were just made for your account; the old ones no longer work.',
  },
  passkey_added: {
    subject: 'A passkey was added',
    line: 'A passkey was just added to your account: it signs you in, and counts as a second factor.',
  },
  passkey_removed: {
    subject: 'A passkey was removed',
    line: 'A passkey was just removed from your account.',
  },
  password_removed: {
    subject: 'Your password was removed',
    line: 'The password was just removed from your account: you sign in with a passkey or a provider now.',
  },
  reset_by_admin: {
    subject: 'Your second factors were reset',
    line: 'An administrator just removed the second factors from your account.',
  },
};

export function secondFactorChangedEmail(appUrl: string, change: SecondFactorChange): EmailContent {
  const url = `${appUrl}/account`;
  const { subject, line } = SENTENCES[change];
  const lines = [
    GREETING,
    line,
    'If this was not you, review your account now: remove what you do not recognise and change your password.',
  ];
  return {
    template: 'second_factor_changed',
    subject,
    text: `${lines.join('\n\n')}\n\n${url}`,
    html: layout(lines, { label: 'Review your account', url }),
  };
}

/** The notice's outbox row, for the change's batch (sent only if `when` holds). */
export function secondFactorNotice(
  deps: Deps,
  user: { id: string; email: string },
  change: SecondFactorChange,
  when: Condition,
) {
  return queueEmail(deps.db, {
    userId: user.id,
    to: user.email,
    content: secondFactorChangedEmail(deps.config.appUrl, change),
    now: deps.now,
    when,
  });
}
