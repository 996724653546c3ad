// GET /api/dev/emails: the outbox as a mailbox, in development only, so every flow works without a provider.
import { createRoute, z } from '@hono/zod-openapi';
import { listRecentOutboxEmails } from '../db/email-outbox';
import { notFound } from '../errors';
import { createRouter } from '../router';

const MAILBOX_SIZE = 50;
const LINK = /https?:\/\/[^\s<>"')]+/g;

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
  tags: ['Development'],
  summary: 'The emails the outbox holds, newest first, with their links (APP_ENV=development only)',
  responses: {
    200: { description: 'The 50 newest emails.', content: { 'application/json': { schema: z.object({ emails: z.array(devEmailSchema) }) } } },
    404: { description: 'Not in development.' },
  },
});

export const devRouter = createRouter().openapi(devEmailsRoute, async (c) => {
  // Outside development this route does not exist; it must not even hint that it could.
  if (c.get('config').appEnv !== 'development') throw notFound();
  const emails = await listRecentOutboxEmails(c.get('db'), MAILBOX_SIZE);
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
