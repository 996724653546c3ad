// API keys: a user's own (/api/me/api-keys), an organization's (/api/orgs/{id}/api-keys, its admins
// and owners) and the presented key (/api/api-keys/self). Making a key needs a live session that
// proved the second factor (when the account has one) and a sign-in in the last 10 minutes; the
// key is in the answer once and never again. Loaded with the API-keys feature.
import { createRoute, z } from '@hono/zod-openapi';
import {
  createMyApiKey,
  createOrganizationApiKey,
  listMyApiKeys,
  listOrganizationApiKeys,
  presentedKeyView,
  revokeMyApiKey,
  revokeOrganizationApiKey,
} from '../api-keys/management';
import { MAX_DEAD_API_KEYS_PER_OWNER, MAX_LIVE_API_KEYS_PER_OWNER } from '../db/api-keys';
import { deliverAfterResponse } from '../email/outbox';
import { RATE_RULES } from '../auth/rate-limits';
import {
  API_KEY_ERRORS,
  apiKeyGuard,
  BEARER_ERRORS,
  errorResponses,
  JSON_BODY_ERRORS,
  jsonRequest,
  jsonResponse,
  liveSessionGuard,
  SECOND_FACTOR_ERRORS,
  secondFactorGuard,
} from '../openapi';
import { createRouter, depsFrom } from '../router';
import { apiKeySchema, dateTime, newKeyInput, newKeySchema } from './api-key-schemas';

const tags = ['API keys'];

const keyList = z.object({ api_keys: z.array(apiKeySchema) });
const keyParams = z.object({ id: z.string().min(1).max(64) });
const orgParams = z.object({ id: z.string().min(1).max(64) });
const orgKeyParams = orgParams.extend({ keyId: z.string().min(1).max(64) });

const limitNote =
  `An owner holds at most ${MAX_LIVE_API_KEYS_PER_OWNER} live keys (\`409 API_KEY_LIMIT_REACHED\`); making one ` +
  `keeps the newest ${MAX_DEAD_API_KEYS_PER_OWNER} revoked or expired ones listed and deletes older ones. ` +
  `The maker is emailed; a user may make ${RATE_RULES.apiKeysPerMaker.limit} keys an hour (\`429 RATE_LIMITED\`).`;
const recentNote =
  'Needs a sign-in (or a step-up) in the last 10 minutes and, when the account has one, its second factor ' +
  '(`403 STEP_UP_REQUIRED`).';

const listMineRoute = createRoute({
  method: 'get',
  path: '/me/api-keys',
  operationId: 'listMyApiKeys',
  tags,
  summary: 'My API keys, newest first (never the keys themselves)',
  ...liveSessionGuard(),
  responses: {
    200: jsonResponse(keyList, 'With the newest 50 revoked or expired keys (for 30 days at most).'),
    ...errorResponses(BEARER_ERRORS),
  },
});

const createMineRoute = createRoute({
  method: 'post',
  path: '/me/api-keys',
  operationId: 'createMyApiKey',
  tags,
  summary: 'Make an API key of mine',
  description: `${recentNote} Needs a verified address (\`403 FORBIDDEN\`). ${limitNote}`,
  ...secondFactorGuard(),
  request: { body: jsonRequest(newKeyInput) },
  responses: {
    201: jsonResponse(newKeySchema, 'The key, shown this once.'),
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'FORBIDDEN',
      'NOT_FOUND',
      'API_KEY_LIMIT_REACHED',
      'RATE_LIMITED',
    ),
  },
});

const revokeMineRoute = createRoute({
  method: 'delete',
  path: '/me/api-keys/{id}',
  operationId: 'revokeMyApiKey',
  tags,
  summary: 'Revoke an API key of mine (the next request with it is refused)',
  ...liveSessionGuard(),
  request: { params: keyParams },
  responses: {
    200: jsonResponse(apiKeySchema, 'The key, revoked (revoking it again changes nothing).'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND'),
  },
});

const listOrgRoute = createRoute({
  method: 'get',
  path: '/orgs/{id}/api-keys',
  operationId: 'listOrganizationApiKeys',
  tags,
  summary: "An organization's API keys (admins and owners)",
  ...liveSessionGuard(),
  request: { params: orgParams },
  responses: {
    200: jsonResponse(keyList, 'Newest first, with the newest 50 revoked or expired keys (for 30 days at most).'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'ORG_ROLE_REQUIRED'),
  },
});

const createOrgRoute = createRoute({
  method: 'post',
  path: '/orgs/{id}/api-keys',
  operationId: 'createOrganizationApiKey',
  tags,
  summary: 'Make an API key of the organization (admins and owners)',
  description: `${recentNote} Needs a verified address (\`403 FORBIDDEN\`). The key belongs to the organization: it keeps working if its maker leaves. ${limitNote}`,
  ...secondFactorGuard(),
  request: { params: orgParams, body: jsonRequest(newKeyInput) },
  responses: {
    201: jsonResponse(newKeySchema, 'The key, shown this once.'),
    ...errorResponses(
      SECOND_FACTOR_ERRORS,
      JSON_BODY_ERRORS,
      'NOT_FOUND',
      'ORG_ROLE_REQUIRED',
      'API_KEY_LIMIT_REACHED',
      'RATE_LIMITED',
    ),
  },
});

const revokeOrgRoute = createRoute({
  method: 'delete',
  path: '/orgs/{id}/api-keys/{keyId}',
  operationId: 'revokeOrganizationApiKey',
  tags,
  summary: "Revoke an organization's API key (admins and owners)",
  ...liveSessionGuard(),
  request: { params: orgKeyParams },
  responses: {
    200: jsonResponse(apiKeySchema, 'The key, revoked (revoking it again changes nothing).'),
    ...errorResponses(BEARER_ERRORS, 'VALIDATION_ERROR', 'NOT_FOUND', 'ORG_ROLE_REQUIRED'),
  },
});

const selfRoute = createRoute({
  method: 'get',
  path: '/api-keys/self',
  operationId: 'getPresentedApiKey',
  tags,
  summary: 'The API key this request presents: its owner, scopes and rate limit',
  description: 'Any live key of a user or an organization, whatever its scopes; counts against its rate limit.',
  ...apiKeyGuard({ scope: null, owners: ['user', 'organization'] }),
  responses: {
    200: jsonResponse(
      apiKeySchema
        .extend({
          rate_limit: z.object({
            limit: z.number().int(),
            remaining: z.number().int(),
            reset_at: dateTime().openapi({ description: 'When the minute the count is in ends.' }),
          }),
        })
        .openapi('PresentedApiKey'),
      'The key (never the key itself).',
    ),
    ...errorResponses(
      'AUTH_HEADER_MISSING',
      API_KEY_ERRORS.filter((code) => code !== 'INSUFFICIENT_SCOPE'),
    ),
  },
});

export const apiKeysRouter = createRouter()
  .openapi(listMineRoute, async (c) => c.json({ api_keys: await listMyApiKeys(depsFrom(c), c.get('auth')) }, 200))
  .openapi(createMineRoute, async (c) => {
    const deps = depsFrom(c);
    const { body, outboxIds } = await createMyApiKey(deps, c.get('auth'), c.req.valid('json'));
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(body, 201);
  })
  .openapi(revokeMineRoute, async (c) =>
    c.json(await revokeMyApiKey(depsFrom(c), c.get('auth'), c.req.valid('param').id), 200),
  )
  .openapi(listOrgRoute, async (c) =>
    c.json({ api_keys: await listOrganizationApiKeys(depsFrom(c), c.get('auth'), c.req.valid('param').id) }, 200),
  )
  .openapi(createOrgRoute, async (c) => {
    const deps = depsFrom(c);
    const { id } = c.req.valid('param');
    const { body, outboxIds } = await createOrganizationApiKey(deps, c.get('auth'), id, c.req.valid('json'));
    deliverAfterResponse(c, deps, outboxIds);
    return c.json(body, 201);
  })
  .openapi(revokeOrgRoute, async (c) => {
    const { id, keyId } = c.req.valid('param');
    return c.json(await revokeOrganizationApiKey(depsFrom(c), c.get('auth'), id, keyId), 200);
  })
  .openapi(selfRoute, (c) => c.json(presentedKeyView(c.get('apiKey')!, depsFrom(c).now), 200));
