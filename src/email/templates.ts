// Email templates as plain functions: each returns a subject, a text body and an HTML body.
// No user-supplied text (a name, a company) ever goes into an email: in a genuine email from us it
// could pass for our own words or links. Everything here is ours, plus the one link we build.
import { escapeHtml } from '../lib/html';

export interface EmailContent {
  template:
    | 'verify_email'
    | 'password_reset'
    | 'password_changed'
    | 'payment_failed'
    | 'org_invitation'
    | 'second_factor_changed'
    | 'api_key_created';
  subject: string;
  text: string;
  html: string;
}

export function layout(paragraphs: string[], action?: { label: string; url: string }): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const button = action
    ? `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(action.label)}</a></p>
<p style="color:#555;font-size:13px">Or open this link: ${escapeHtml(action.url)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a">
${body}
${button}
</body></html>`;
}

export const GREETING = 'Hi,';

/** The link lands on the front end, which posts the token to POST /api/auth/verify-email. */
export function verificationEmail(input: { appUrl: string; token: string }): EmailContent {
  const url = `${input.appUrl}/verify-email?token=${encodeURIComponent(input.token)}`;
  const lines = [GREETING, 'Please confirm your email address. The link works once and expires in 24 hours.'];
  return {
    template: 'verify_email',
    subject: 'Confirm your email address',
    text: `${lines.join('\n\n')}\n\n${url}\n\nIf you did not create an account, ignore this email.`,
    html: layout([...lines, 'If you did not create an account, ignore this email.'], { label: 'Confirm email', url }),
  };
}

/** The link lands on the front end, which posts the token and a new password to /password/reset. */
export function passwordResetEmail(input: { appUrl: string; token: string }): EmailContent {
  const url = `${input.appUrl}/reset-password?token=${encodeURIComponent(input.token)}`;
  const lines = [GREETING, 'Someone asked to reset your password. The link works once and expires in 1 hour.'];
  return {
    template: 'password_reset',
    subject: 'Reset your password',
    text: `${lines.join('\n\n')}\n\n${url}\n\nIf it was not you, ignore this email: your password stays as it is.`,
    html: layout([...lines, 'If it was not you, ignore this email: your password stays as it is.'], {
      label: 'Choose a new password',
      url,
    }),
  };
}

export function passwordChangedEmail(input: { appUrl: string }): EmailContent {
  const url = `${input.appUrl}/forgot-password`;
  const lines = [
    GREETING,
    'Your password was just changed, and your other sessions were signed out.',
    'If this was not you, reset your password now and review your account.',
  ];
  return {
    template: 'password_changed',
    subject: 'Your password was changed',
    text: `${lines.join('\n\n')}\n\n${url}`,
    html: layout(lines, { label: 'Reset my password', url }),
  };
}

export function paymentFailedEmail(input: { appUrl: string }): EmailContent {
  const url = `${input.appUrl}/billing`;
  const lines = [
    GREETING,
    'We could not take the latest payment for your subscription.',
    'Please update your payment method to keep your subscription active.',
  ];
  return {
    template: 'payment_failed',
    subject: 'Your payment failed',
    text: `${lines.join('\n\n')}\n\n${url}`,
    html: layout(lines, { label: 'Update payment method', url }),
  };
}

/**
 * An invitation to an organization. Its name (chosen by whoever created it) stays out, as any text
 * from users does: the accept page shows it once the invited person has signed in.
 */
export function invitationEmail(input: { appUrl: string; token: string }): EmailContent {
  const url = `${input.appUrl}/invitations/accept?token=${encodeURIComponent(input.token)}`;
  const lines = [
    GREETING,
    'You have been invited to join an organization. Sign in (or create an account) with this email address to accept. The link works once and expires in 7 days.',
  ];
  return {
    template: 'org_invitation',
    subject: 'You have been invited to join an organization',
    text: `${lines.join('\n\n')}\n\n${url}\n\nIf you did not expect this, ignore this email.`,
    html: layout([...lines, 'If you did not expect this, ignore this email.'], { label: 'Accept the invitation', url }),
  };
}
