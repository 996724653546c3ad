// Email senders behind one interface: Resend over fetch, or the log (development).
import type { Config } from '../config';
import type { Logger } from '../lib/log';

export interface OutgoingEmail {
  /** The outbox id; also Resend's idempotency key, so a retried request can't send twice. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface EmailSender {
  /** `log` leaves the email readable in the outbox (GET /api/dev/emails); others erase it once sent. */
  keepsBody: boolean;
  send(email: OutgoingEmail): Promise<void>;
}

/** Thrown for a delivery failure; the message is safe to store (no key, no body). */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
}

/** `log` writes each email as a log line (development); `resend` posts it to Resend. */
export function createEmailSender(email: Config['email'], log: Logger): EmailSender {
  if (email.provider === 'log') {
    return {
      keepsBody: true,
      async send(message) {
        log.info('email', { id: message.id, to: message.to, subject: message.subject, text: message.text });
      },
    };
  }
  const endpoint = `${email.resendApiUrl}/emails`;
  return {
    keepsBody: false,
    async send(message) {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${email.resendApiKey}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': message.id,
          },
          body: JSON.stringify({
            from: email.from,
            to: [message.to],
            subject: message.subject,
            text: message.text,
            html: message.html,
          }),
        });
      } catch (err) {
        throw new DeliveryError(`Resend unreachable: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!response.ok) {
        const detail = (await response.text()).slice(0, 200);
        throw new DeliveryError(`Resend answered ${response.status}: ${detail}`);
      }
    },
  };
}
