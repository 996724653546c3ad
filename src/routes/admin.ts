// /api/admin: users (search, detail, role, disable/enable, sessions), stats and the audit log. Admins only.
import { createRoute, z } from '@hono/zod-openapi';
import {
  changeRole,
  disableUser,
  enableUser,
  getStats,
  getUserDetail,
  listAudit,
  listUsers,
  revokeSessionsOf,
} from '../admin/admin';
import { adminGuard, errorResponses, jsonRequest, jsonResponse } from '../openapi';
import { createRouter, depsFrom } from '../router';

const guard = { ...adminGuard(), tags: ['Admin'] };
const limit = z.coerce.number().int().min(1).max(100).default(20);
const userIdParam = z.object({ id: z.string().min(1).max(64) });
const anyJson = (description: string) => jsonResponse(z.record(z.string(), z.unknown()), description);

const listUsersRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/users',
  summary: 'Search users by email or name, newest first',
  request: {
    query: z.object({ q: z.string().trim().min(1).max(200).optional(), cursor: z.string().max(200).optional(), limit }),
  },
  responses: {
    200: anyJson('`{users, next_cursor}`; pass next_cursor back as `cursor` for the next page.'),
    ...errorResponses(400, 401, 403),
  },
});

const userRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/users/{id}',
  summary: 'One user with sessions, linked providers and subscription',
  request: { params: userIdParam },
  responses: { 200: anyJson('The user.'), ...errorResponses(401, 403, 404) },
});

const roleRoute = createRoute({
  ...guard,
  method: 'patch',
  path: '/admin/users/{id}/role',
  summary: "Change a user's role (the last enabled admin cannot be demoted)",
  request: {
    params: userIdParam,
    body: jsonRequest(z.object({ role: z.enum(['user', 'admin']) })),
  },
  responses: { 200: anyJson('The user.'), ...errorResponses(400, 401, 403, 404, 409) },
});

const actionRoute = (path: string, summary: string) =>
  createRoute({
    ...guard,
    method: 'post',
    path: `/admin/users/{id}/${path}`,
    summary,
    request: { params: userIdParam },
    responses: { 200: anyJson('The user.'), ...errorResponses(401, 403, 404, 409) },
  });

const statsRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/stats',
  summary: 'Users, verification, sign-ups, subscriptions by price, failed payments',
  responses: { 200: anyJson('The figures.'), ...errorResponses(401, 403) },
});

const auditRoute = createRoute({
  ...guard,
  method: 'get',
  path: '/admin/audit',
  summary: 'The audit log, newest first',
  description:
    '`action` is exact, or a prefix ending in `*` (e.g. `login.*`); `from` and `to` are ISO-8601 times (from inclusive, to exclusive).',
  request: {
    query: z.object({
      user_id: z.string().max(64).optional(),
      action: z.string().max(100).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      cursor: z.string().max(200).optional(),
      limit,
    }),
  },
  responses: { 200: anyJson('`{entries, next_cursor}`.'), ...errorResponses(400, 401, 403) },
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
  .openapi(actionRoute('disable', 'Disable a user (revokes their sessions)'), async (c) =>
    c.json(await disableUser(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(actionRoute('enable', 'Enable a disabled user'), async (c) =>
    c.json(await enableUser(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(actionRoute('revoke-sessions', 'Revoke every session of a user'), async (c) =>
    c.json(await revokeSessionsOf(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(statsRoute, async (c) => c.json({ ...(await getStats(depsFrom(c))) }, 200))
  .openapi(auditRoute, async (c) => c.json(await listAudit(depsFrom(c), c.req.valid('query')), 200));
