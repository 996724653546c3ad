// Reading email the way a user does: from the outbox, by recipient, with the token in its link.
import { env } from 'cloudflare:test';

export interface OutboxRow {
  id: string;
  to_address: string;
  template: string;
  subject: string;
  text_body: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
}

export async function emailsTo(address: string, template?: string): Promise<OutboxRow[]> {
  const rows = await env.DB.prepare(
    `SELECT * FROM email_outbox WHERE to_address = ? ${template ? 'AND template = ?' : ''} ORDER BY created_at DESC, rowid DESC`,
  )
    .bind(...(template ? [address, template] : [address]))
    .all<OutboxRow>();
  return rows.results;
}

/** The `token` query parameter of the first link in the newest email of that template. */
export async function tokenFromLatestEmail(address: string, template: string): Promise<string> {
  const [email] = await emailsTo(address, template);
  if (!email?.text_body) throw new Error(`no ${template} email to ${address}`);
  const link = /https?:\/\/\S+/.exec(email.text_body)?.[0];
  const token = link ? new URL(link).searchParams.get('token') : null;
  if (!token) throw new Error('no token link in the email');
  return token;
}
