// GET /api/dev/emails: the outbox as a mailbox, in development only, so every flow works without a provider.
import { createRoute, z } from '@hono/zod-openapi';
import { listRecentOutboxEmails } from '../db/email-outbox';
import { notFound } from '../errors';
import { errorResponses, jsonResponse } from '../openapi';
import { createRouter } from '../router';

const MAILBOX_SIZE = 50;
const LINK = /https?:\/\/[^\s<>"')]+/g;

/** localhost, 127.0.0.0/8 or [::1]: hosts only this machine can reach. */
function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const devEmailSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string().nullable(),
  links: z.array(z.string()),
  status: z.string(),
  created_at: z.string(),
});

const devEmailsRoute = createRoute({
  method: 'get',
  path: '/dev/emails',
  operationId: 'devListEmails',
  security: [],
  tags: ['Development'],
  summary: 'The emails the outbox holds, newest first, with their links (development on a loopback host only)',
  responses: {
    200: jsonResponse(z.object({ emails: z.array(devEmailSchema) }), 'The 50 newest emails.'),
    ...errorResponses('NOT_FOUND'),
  },
});

export const devRouter = createRouter().openapi(devEmailsRoute, async (c) => {
  // It serves every reset link, so it exists only in development AND on this machine: a deployed
  // Worker left in development mode (even with a copied loopback API_URL) answers 404 like any other
  // unknown route, without hinting that it could exist.
  const config = c.get('config');
  if (config.appEnv !== 'development' || !isLoopback(config.apiUrl) || !isLoopback(c.req.url)) throw notFound();
  const emails = await listRecentOutboxEmails(c.get('databases').primary, MAILBOX_SIZE);
  return c.json(
    {
      emails: emails.map((email) => ({
        id: email.id,
        to: email.toAddress,
        subject: email.subject,
        text: email.textBody,
        links: email.textBody?.match(LINK) ?? [],
        status: email.status,
        created_at: email.createdAt.toISOString(),
      })),
    },
    200,
  );
});
