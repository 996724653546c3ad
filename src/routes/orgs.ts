// /api/orgs: organizations, their members and invitations, and the session's active organization.
// Reads trust the access token (one query each); changes need a live session, and each re-checks
// the caller's role in the organization in D1.
import { createRoute, z } from '@hono/zod-openapi';
import {
  changeMemberRole,
  createOrganization,
  deleteOrganization,
  getOrganization,
  listMyOrganizationsView,
  listOrganizationMembers,
  removeMember,
  renameOrganization,
} from '../orgs/organizations';
import { activateOrganization } from '../orgs/active-organization';
import { pushSeatsAfterResponse } from '../orgs/seats';
import { acceptInvitation, inviteMember, listInvitations, revokeInvitation } from '../orgs/invitations';
import { deliverAfterResponse } from '../email/outbox';
import { emailInput } from './schemas';
import {
  authGuard,
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
} from '../openapi';
import { NOT_IN_A_NAME } from '../lib/display-name';
import { createRouter, depsFrom } from '../router';

const tags = ['Organizations'];
const dateTime = () => z.string().openapi({ format: 'date-time' });
const roleSchema = z.enum(['member', 'admin', 'owner']).openapi('OrgRole');
// As a person's display name: one line, no control, direction or invisible characters.
const nameInput = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => !NOT_IN_A_NAME.test(value), { error: 'must be one line of text, without control characters' });
const slugInput = z
  .string()
  .min(3)
  .max(48)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters and digits, joined by single hyphens')
  .openapi({ example: 'acme' });
const orgParams = z.object({ id: z.string().min(1).max(64) });
const memberParams = orgParams.extend({ userId: z.string().min(1).max(64) });

const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    role: roleSchema.openapi({ description: 'Your role in it.' }),
    created_at: dateTime(),
  })
  .openapi('Organization');

const memberSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleSchema,
    joined_at: dateTime(),
  })
  .openapi('OrganizationMember');

const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: roleSchema,
    invited_by: z.string().nullable().openapi({ description: 'The id of the member who invited.' }),
    created_at: dateTime(),
    expires_at: dateTime(),
  })
  .openapi('Invitation');

const notMember = 'NOT_FOUND' as const;

const createOrgRoute = createRoute({
  method: 'post',
  path: '/orgs',
  operationId: 'createOrganization',
  tags,
  summary: 'Create an organization (you become its owner)',
  description: 'Without `slug`, one is made from the name (`Acme Inc.` → `acme-inc`, with a random suffix if taken).',
  ...liveSessionGuard(),
  request: { body: jsonRequest(z.object({ name: nameInput, slug: slugInput.optional() }).strict()) },
  responses: {
    201: jsonResponse(organizationSchema, 'The new organization.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, 'SLUG_TAKEN', 'ORG_LIMIT_REACHED'),
  },
});

const listOrgsRoute = createRoute({
  method: 'get',
  path: '/orgs',
  operationId: 'listMyOrganizations',
  tags,
  summary: 'My organizations, with my role in each',
  ...authGuard(),
  responses: {
    200: jsonResponse(z.object({ organizations: z.array(organizationSchema) }), 'By name.'),
    ...errorResponses(BEARER_ERRORS),
  },
});

const getOrgRoute = createRoute({
  method: 'get',
  path: '/orgs/{id}',
  operationId: 'getOrganization',
  tags,
  summary: 'One of my organizations',
  ...authGuard(),
  request: { params: orgParams },
  responses: {
    200: jsonResponse(organizationSchema, 'The organization, with your role.'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember),
  },
});

const renameOrgRoute = createRoute({
  method: 'patch',
  path: '/orgs/{id}',
  operationId: 'updateOrganization',
  tags,
  summary: "Change an organization's name or slug (admins and owners)",
  ...liveSessionGuard(),
  request: {
    params: orgParams,
    body: jsonRequest(
      z
        .object({ name: nameInput.optional(), slug: slugInput.optional() })
        .strict()
        .refine((body) => body.name !== undefined || body.slug !== undefined, 'send name, slug or both'),
    ),
  },
  responses: {
    200: jsonResponse(organizationSchema, 'The organization as changed.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, notMember, 'ORG_ROLE_REQUIRED', 'SLUG_TAKEN'),
  },
});

const deleteOrgRoute = createRoute({
  method: 'delete',
  path: '/orgs/{id}',
  operationId: 'deleteOrganization',
  tags,
  summary: 'Delete an organization (owners); its subscription is cancelled first',
  ...liveSessionGuard(),
  request: { params: orgParams },
  responses: {
    204: { description: 'Deleted, with its memberships.' },
    ...errorResponses(
      BEARER_ERRORS,
      'VALIDATION_ERROR',
      notMember,
      'ORG_ROLE_REQUIRED',
      'BILLING_UNAVAILABLE',
      'BILLING_NOT_CONFIGURED',
    ),
  },
});

const listMembersRoute = createRoute({
  method: 'get',
  path: '/orgs/{id}/members',
  operationId: 'listOrganizationMembers',
  tags,
  summary: "An organization's members, oldest first",
  ...authGuard(),
  request: {
    params: orgParams,
    query: z.object({
      cursor: z.string().max(200).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({
        members: z.array(memberSchema),
        next_cursor: z.string().nullable().openapi({ description: 'Pass it back as `cursor`; null on the last page.' }),
      }),
      'A page of members.',
    ),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember),
  },
});

const memberRoleRoute = createRoute({
  method: 'patch',
  path: '/orgs/{id}/members/{userId}',
  operationId: 'setOrganizationMemberRole',
  tags,
  summary: "Change a member's role (admins and owners, up to their own role)",
  ...liveSessionGuard(),
  request: { params: memberParams, body: jsonRequest(z.object({ role: roleSchema }).strict()) },
  responses: {
    200: jsonResponse(z.object({ user_id: z.string(), role: roleSchema }), 'The member with the role.'),
    ...errorResponses(BEARER_ERRORS, JSON_BODY_ERRORS, notMember, 'ORG_ROLE_REQUIRED', 'LAST_OWNER'),
  },
});

const removeMemberRoute = createRoute({
  method: 'delete',
  path: '/orgs/{id}/members/{userId}',
  operationId: 'removeOrganizationMember',
  tags,
  summary: 'Remove a member (admins and owners; owners for an owner)',
  ...liveSessionGuard(),
  request: { params: memberParams },
  responses: {
    204: { description: 'Removed.' },
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember, 'ORG_ROLE_REQUIRED', 'LAST_OWNER'),
  },
});

const leaveRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/leave',
  operationId: 'leaveOrganization',
  tags,
  summary: 'Leave an organization',
  ...liveSessionGuard(),
  request: { params: orgParams },
  responses: {
    204: { description: 'You are no longer a member.' },
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember, 'LAST_OWNER'),
  },
});

const inviteRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/invitations',
  operationId: 'inviteToOrganization',
  tags,
  summary: 'Invite an email address (admins and owners, up to their own role)',
  description:
    'Emails a link to `APP_URL/invitations/accept?token=…`, valid 7 days and once, and only while its sender may still grant its role. Inviting an address with a pending invitation replaces it (the earlier link stops working). The inviter needs a verified address (403 FORBIDDEN otherwise). An address gets at most 5 invitations an hour; an inviter and an organization each send at most 50.',
  ...liveSessionGuard(),
  request: {
    params: orgParams,
    body: jsonRequest(z.object({ email: emailInput, role: roleSchema.default('member') }).strict()),
  },
  responses: {
    201: jsonResponse(invitationSchema, 'The invitation; the link goes only to the address.'),
    ...errorResponses(
      BEARER_ERRORS,
      JSON_BODY_ERRORS,
      notMember,
      'ORG_ROLE_REQUIRED',
      'FORBIDDEN',
      'ALREADY_MEMBER',
      'INVITATION_LIMIT_REACHED',
      'RATE_LIMITED',
    ),
  },
});

const listInvitationsRoute = createRoute({
  method: 'get',
  path: '/orgs/{id}/invitations',
  operationId: 'listOrganizationInvitations',
  tags,
  summary: 'Pending invitations, newest first (admins and owners)',
  ...authGuard(),
  request: { params: orgParams },
  responses: {
    200: jsonResponse(z.object({ invitations: z.array(invitationSchema) }), 'At most 100.'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember, 'ORG_ROLE_REQUIRED'),
  },
});

const revokeInvitationRoute = createRoute({
  method: 'delete',
  path: '/orgs/{id}/invitations/{invitationId}',
  operationId: 'revokeOrganizationInvitation',
  tags,
  summary: "Revoke an invitation (admins and owners; owners for an owner's)",
  ...liveSessionGuard(),
  request: { params: orgParams.extend({ invitationId: z.string().min(1).max(64) }) },
  responses: {
    204: { description: 'Revoked: its link no longer works.' },
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember, 'ORG_ROLE_REQUIRED'),
  },
});

const acceptInvitationRoute = createRoute({
  method: 'post',
  path: '/orgs/invitations/accept',
  operationId: 'acceptOrganizationInvitation',
  tags,
  summary: 'Accept an invitation (signed in with the invited, verified address)',
  description:
    'The token is the `token` query parameter of the emailed link. It works once: a request racing the one that used it (a double click) answers with the organization or 400 INVITATION_INVALID, depending on which read first; either way there is one membership.',
  ...liveSessionGuard(),
  request: { body: jsonRequest(z.object({ token: z.string().min(1).max(200) }).strict()) },
  responses: {
    200: jsonResponse(organizationSchema, 'The organization you are now a member of, with your role.'),
    ...errorResponses(
      BEARER_ERRORS,
      JSON_BODY_ERRORS,
      'INVITATION_INVALID',
      'INVITATION_EMAIL_MISMATCH',
      'ORG_LIMIT_REACHED',
    ),
  },
});

const activeOrganizationSchema = z
  .object({
    access_token: z.string().openapi({ description: 'With `org_id` and `org_role` claims (none after deactivate).' }),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().openapi({ description: 'Seconds until the access token expires.' }),
    organization: z.union([organizationSchema, z.null()]),
  })
  .openapi('ActiveOrganization');

const activateRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/activate',
  operationId: 'activateOrganization',
  tags,
  summary: 'Act for this organization: a new access token with org_id and org_role',
  description:
    'The session keeps the choice: later refreshes carry the claims, with the role read again each time (none once you are no longer a member).',
  ...authGuard(),
  request: { params: orgParams },
  responses: {
    200: jsonResponse(activeOrganizationSchema, 'Use this access token from now on.'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', notMember),
  },
});

const deactivateRoute = createRoute({
  method: 'post',
  path: '/orgs/deactivate',
  operationId: 'deactivateOrganization',
  tags,
  summary: 'Act for no organization: a new access token without org claims',
  ...authGuard(),
  responses: {
    200: jsonResponse(activeOrganizationSchema, 'Use this access token from now on (`organization` is null).'),
    ...errorResponses(BEARER_ERRORS),
  },
});

export const orgsRouter = createRouter()
  .openapi(createOrgRoute, async (c) =>
    c.json(await createOrganization(depsFrom(c), c.get('auth'), c.req.valid('json')), 201),
  )
  .openapi(listOrgsRoute, async (c) => c.json(await listMyOrganizationsView(depsFrom(c), c.get('auth')), 200))
  .openapi(getOrgRoute, async (c) =>
    c.json(await getOrganization(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(renameOrgRoute, async (c) =>
    c.json(await renameOrganization(depsFrom(c), c.get('auth'), c.req.valid('param').id, c.req.valid('json')), 200),
  )
  .openapi(deleteOrgRoute, async (c) => {
    await deleteOrganization(depsFrom(c), c.get('auth'), c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(listMembersRoute, async (c) =>
    c.json(
      await listOrganizationMembers(depsFrom(c), c.get('auth'), c.req.valid('param').id, c.req.valid('query')),
      200,
    ),
  )
  .openapi(memberRoleRoute, async (c) => {
    const { id, userId } = c.req.valid('param');
    return c.json(await changeMemberRole(depsFrom(c), c.get('auth'), id, userId, c.req.valid('json').role), 200);
  })
  .openapi(removeMemberRoute, async (c) => {
    const { id, userId } = c.req.valid('param');
    const deps = depsFrom(c);
    await removeMember(deps, c.get('auth'), id, userId);
    pushSeatsAfterResponse(c, deps, [id]);
    return c.body(null, 204);
  })
  .openapi(leaveRoute, async (c) => {
    const auth = c.get('auth');
    const deps = depsFrom(c);
    const { id } = c.req.valid('param');
    await removeMember(deps, auth, id, auth.userId);
    pushSeatsAfterResponse(c, deps, [id]);
    return c.body(null, 204);
  })
  .openapi(inviteRoute, async (c) => {
    const deps = depsFrom(c);
    const { invitation, outboxIds } = await inviteMember(
      deps,
      c.get('auth'),
      c.req.valid('param').id,
      c.req.valid('json'),
    );
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(invitation, 201);
  })
  .openapi(listInvitationsRoute, async (c) =>
    c.json(await listInvitations(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(revokeInvitationRoute, async (c) => {
    const { id, invitationId } = c.req.valid('param');
    await revokeInvitation(depsFrom(c), c.get('auth'), id, invitationId);
    return c.body(null, 204);
  })
  .openapi(acceptInvitationRoute, async (c) => {
    const deps = depsFrom(c);
    const organization = await acceptInvitation(deps, c.get('auth'), c.req.valid('json').token);
    pushSeatsAfterResponse(c, deps, [organization.id]);
    return c.json(organization, 200);
  })
  .openapi(activateRoute, async (c) =>
    c.json(await activateOrganization(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(deactivateRoute, async (c) => c.json(await activateOrganization(depsFrom(c), c.get('auth'), null), 200));
