// /api/admin: users (search, detail, role, disable/enable, sessions), organizations (search, detail), API
// keys (per user or organization, revoke any), stats, the audit log and its archive. Admins only.
import { createRoute, z } from '@hono/zod-openapi';
import {
  changeRole,
  disableUser,
  enableUser,
  getStats,
  getUserDetail,
  listAudit,
  listUsers,
  resetSecondFactor,
  revokeSessionsOf,
} from '../admin/admin';
import { readArchivedDay } from '../admin/audit-archive';
import { listApiKeysOf, revokeAnyApiKey } from '../api-keys/management';
import { apiKeySchema } from './api-key-schemas';
import { deliverAfterResponse } from '../email/outbox';
import { getOrganizationDetail, listOrganizations } from '../admin/organizations';
import {
  ADMIN_ERRORS,
  adminGuard,
  type DocumentedError,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
} from '../openapi';
import { providerNameSchema, subscriptionSummarySchema } from './schemas';
import { createRouter, depsFrom } from '../router';

const guard = { ...adminGuard(), tags: ['Admin'] };
const limit = z.coerce.number().int().min(1).max(100).default(20);
const userIdParam = z.object({ id: z.string().min(1).max(64) });
const dateTime = () => z.string().openapi({ format: 'date-time' });
const nextCursor = z
  .string()
  .nullable()
  .openapi({ description: 'Pass it back as `cursor` for the next page; null on the last one.' });

const adminUserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(['user', 'admin']),
    email_verified: z.boolean(),
    disabled: z.boolean(),
    disabled_at: dateTime().nullable(),
    has_password: z.boolean(),
    has_second_factor: z.boolean().openapi({ description: 'An authenticator app is on.' }),
    created_at: dateTime(),
  })
  .openapi('AdminUser');

const orgRole = z.enum(['member', 'admin', 'owner']);

const adminUserDetailSchema = z
  .object({
    user: adminUserSchema,
    sessions: z.array(
      z.object({
        id: z.string(),
        auth_method: z.string().openapi({ example: 'password', description: '"password" or "oauth:<provider>"' }),
        user_agent: z.string().nullable(),
        ip_address: z.string().nullable(),
        created_at: dateTime(),
        last_used_at: dateTime(),
      }),
    ),
    linked_accounts: z.array(
      z.object({
        provider: providerNameSchema,
        email: z.string().nullable(),
        created_at: dateTime(),
        last_login_at: dateTime(),
      }),
    ),
    subscription: subscriptionSummarySchema,
    organizations: z
      .array(z.object({ id: z.string(), name: z.string(), slug: z.string(), role: orgRole }))
      .openapi({ description: 'The organizations the user belongs to, by name, with their role.' }),
  })
  .openapi('AdminUserDetail');

const userAnswer = jsonResponse(adminUserDetailSchema, 'The user, as the change left them.');

const listUsersRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/users',
  operationId: 'adminListUsers',
  summary: 'Search users by email or name, newest first',
  request: {
    query: z.object({ q: z.string().trim().min(1).max(200).optional(), cursor: z.string().max(200).optional(), limit }),
  },
  responses: {
    200: jsonResponse(
      z.object({ users: z.array(adminUserSchema), next_cursor: nextCursor }),
      'A page of users, newest first.',
    ),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR'),
  },
});

const userRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/users/{id}',
  operationId: 'adminGetUser',
  summary: 'One user with sessions, linked providers and subscription',
  request: { params: userIdParam },
  responses: {
    200: jsonResponse(adminUserDetailSchema, 'The user.'),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

const roleRoute = createRoute({
  ...guard,
  method: 'patch',
  path: '/admin/users/{id}/role',
  operationId: 'adminSetRole',
  summary: "Change a user's role (the last enabled admin cannot be demoted)",
  request: {
    params: userIdParam,
    body: jsonRequest(z.object({ role: z.enum(['user', 'admin']) })),
  },
  responses: { 200: userAnswer, ...errorResponses(ADMIN_ERRORS, JSON_BODY_ERRORS, 'NOT_FOUND', 'LAST_ADMIN') },
});

const actionRoute = (path: string, operationId: string, summary: string, errors: DocumentedError[] = []) =>
  createRoute({
    ...guard,
    method: 'post',
    path: `/admin/users/{id}/${path}`,
    operationId,
    summary,
    request: { params: userIdParam },
    responses: { 200: userAnswer, ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', ...errors) },
  });

const adminOrganizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    created_at: dateTime(),
    member_count: z.number().int(),
    subscription_status: subscriptionSummarySchema.shape.status.openapi({
      description: 'The current subscription\'s status (as in `GET /api/orgs/{id}/billing`), or "none"',
    }),
  })
  .openapi('AdminOrganization');

const listOrganizationsRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/orgs',
  operationId: 'adminListOrganizations',
  summary: 'Search organizations by name or slug, newest first',
  request: {
    query: z.object({ q: z.string().trim().min(1).max(200).optional(), cursor: z.string().max(200).optional(), limit }),
  },
  responses: {
    200: jsonResponse(
      z.object({ organizations: z.array(adminOrganizationSchema), next_cursor: nextCursor }),
      'A page of organizations, newest first.',
    ),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR'),
  },
});

const organizationRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/orgs/{id}',
  operationId: 'adminGetOrganization',
  summary: 'One organization with members, pending invitations, subscription and seats',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: jsonResponse(
      z
        .object({
          organization: z.object({
            id: z.string(),
            name: z.string(),
            slug: z.string(),
            created_by: z.string().nullable().openapi({ description: 'The id of the user who created it.' }),
            created_at: dateTime(),
          }),
          member_count: z.number().int(),
          members: z
            .array(
              z.object({
                user_id: z.string(),
                email: z.string(),
                name: z.string().nullable(),
                role: orgRole,
                joined_at: dateTime(),
              }),
            )
            .openapi({ description: 'The first 100 members by join time; `member_count` counts them all.' }),
          invitations: z
            .array(
              z.object({
                id: z.string(),
                email: z.string(),
                role: orgRole,
                invited_by: z.string().nullable(),
                created_at: dateTime(),
                expires_at: dateTime(),
              }),
            )
            .openapi({ description: 'The pending invitations, newest first.' }),
          subscription: subscriptionSummarySchema,
          seats: z
            .object({
              per_seat: z.boolean(),
              members: z.number().int(),
              billed: z.number().int().nullable(),
              in_sync: z.boolean(),
            })
            .openapi({ description: 'As `GET /api/orgs/{id}/billing` shows them.' }),
        })
        .openapi('AdminOrganizationDetail'),
      'The organization.',
    ),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

const keyList = jsonResponse(z.object({ api_keys: z.array(apiKeySchema) }), 'Newest first, revoked and expired too.');

const userKeysRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/users/{id}/api-keys',
  operationId: 'adminListUserApiKeys',
  summary: "A user's API keys",
  request: { params: userIdParam },
  responses: { 200: keyList, ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND') },
});

const organizationKeysRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/orgs/{id}/api-keys',
  operationId: 'adminListOrganizationApiKeys',
  summary: "An organization's API keys",
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: { 200: keyList, ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND') },
});

const revokeKeyRoute = createRoute({
  ...guard,
  method: 'post',
  path: '/admin/api-keys/{id}/revoke',
  operationId: 'adminRevokeApiKey',
  summary: 'Revoke any API key (audited; the next request with it is refused)',
  request: { params: z.object({ id: z.string().min(1).max(64) }) },
  responses: {
    200: jsonResponse(apiKeySchema, 'The key, revoked (revoking it again changes nothing).'),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

const statsRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/stats',
  operationId: 'adminGetStats',
  summary: 'Users, verification, sign-ups, subscriptions by price, failed payments',
  responses: {
    200: jsonResponse(
      z
        .object({
          users: z.number().int(),
          verified: z.number().int(),
          disabled: z.number().int(),
          admins: z.number().int(),
          signups_7d: z.number().int(),
          signups_30d: z.number().int(),
          active_subscriptions_by_price: z.array(
            z.object({ price_id: z.string().nullable(), count: z.number().int() }),
          ),
          failed_payments_30d: z.number().int(),
          past_due_subscriptions: z.number().int(),
        })
        .openapi('AdminStats'),
      'The figures.',
    ),
    ...errorResponses(ADMIN_ERRORS),
  },
});

const auditEntrySchema = z
  .object({
    id: z.string(),
    user_id: z.string().nullable(),
    actor_id: z.string().nullable(),
    action: z.string().openapi({ example: 'login.succeeded' }),
    ip_address: z.string().nullable(),
    user_agent: z.string().nullable(),
    metadata: z.unknown().openapi({ description: "The event's details, as recorded (JSON), or null." }),
    created_at: dateTime(),
  })
  .openapi('AuditEntry');

/** 2026-02-30 is not a day (Date would roll it over to March). */
function isCalendarDay(day: string): boolean {
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
}

const auditFilters = {
  user_id: z.string().max(64).optional(),
  action: z.string().max(100).optional(),
};

const auditRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/audit',
  operationId: 'adminListAudit',
  summary: 'The audit log, newest first',
  description:
    '`action` is exact, or a prefix ending in `*` (e.g. `login.*`); `from` and `to` are ISO-8601 times (from inclusive, to exclusive).',
  request: {
    query: z.object({
      ...auditFilters,
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      cursor: z.string().max(200).optional(),
      limit,
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        entries: z.array(auditEntrySchema),
        next_cursor: nextCursor,
      }),
      'A page of entries, newest first.',
    ),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR'),
  },
});

const auditArchiveRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/audit/archive',
  operationId: 'adminReadAuditArchive',
  summary: 'Archived audit entries of one UTC day, oldest first',
  description:
    'Entries the cron job moved to the `AUDIT_ARCHIVE` bucket (older than `AUDIT_ARCHIVE_AFTER_DAYS`). Each page is one archived object (up to 1000 entries before the filters, which work as in `GET /api/admin/audit`); an empty page is not the end unless `next_cursor` is null. 404 when no archive is bound.',
  request: {
    query: z.object({
      day: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a UTC day, YYYY-MM-DD')
        .refine(isCalendarDay, 'is not a calendar day')
        .openapi({ example: '2026-11-30' }),
      ...auditFilters,
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ entries: z.array(auditEntrySchema), next_cursor: nextCursor }),
      'A page of the day, oldest first.',
    ),
    ...errorResponses(ADMIN_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

export const adminRouter = createRouter()
  .openapi(listUsersRoute, async (c) => {
    const { q, cursor, limit } = c.req.valid('query');
    return c.json(await listUsers(depsFrom(c), { query: q, cursor, limit }), 200);
  })
  .openapi(userRoute, async (c) => c.json(await getUserDetail(depsFrom(c), c.req.valid('param').id), 200))
  .openapi(roleRoute, async (c) =>
    c.json(await changeRole(depsFrom(c), c.get('auth'), c.req.valid('param').id, c.req.valid('json').role), 200),
  )
  .openapi(
    actionRoute('disable', 'adminDisableUser', 'Disable a user (revokes their sessions)', ['LAST_ADMIN']),
    async (c) => c.json(await disableUser(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(actionRoute('enable', 'adminEnableUser', 'Enable a disabled user'), async (c) =>
    c.json(await enableUser(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(actionRoute('revoke-sessions', 'adminRevokeSessions', 'Revoke every session of a user'), async (c) =>
    c.json(await revokeSessionsOf(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(
    actionRoute(
      'reset-second-factor',
      'adminResetSecondFactor',
      "Remove a user's second factors (a lost phone); the user is emailed",
    ),
    async (c) => {
      const deps = depsFrom(c);
      const { detail, outboxIds } = await resetSecondFactor(deps, c.get('auth'), c.req.valid('param').id);
      deliverAfterResponse(c, deps, outboxIds);
      return c.json(detail, 200);
    },
  )
  .openapi(listOrganizationsRoute, async (c) => {
    const { q, cursor, limit } = c.req.valid('query');
    return c.json(await listOrganizations(depsFrom(c), { query: q, cursor, limit }), 200);
  })
  .openapi(organizationRoute, async (c) =>
    c.json(await getOrganizationDetail(depsFrom(c), c.req.valid('param').id), 200),
  )
  .openapi(userKeysRoute, async (c) =>
    c.json({ api_keys: await listApiKeysOf(depsFrom(c), { userId: c.req.valid('param').id }) }, 200),
  )
  .openapi(organizationKeysRoute, async (c) =>
    c.json({ api_keys: await listApiKeysOf(depsFrom(c), { organizationId: c.req.valid('param').id }) }, 200),
  )
  .openapi(revokeKeyRoute, async (c) =>
    c.json(await revokeAnyApiKey(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(statsRoute, async (c) => c.json({ ...(await getStats(depsFrom(c))) }, 200))
  .openapi(auditRoute, async (c) => c.json(await listAudit(depsFrom(c), c.req.valid('query')), 200))
  .openapi(auditArchiveRoute, async (c) =>
    c.json(await readArchivedDay(c.get('auditArchive'), c.get('log'), c.req.valid('query')), 200),
  );
