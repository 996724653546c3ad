// Creating, listing and revoking API keys, for a user's own keys (/api/me/api-keys), an
// organization's (/api/orgs/{id}/api-keys, its admins and owners) and the admin area. A key is shown
// once, when made; only its SHA-256 is kept. Creations and revocations are audited.
import type { AccessTokenClaims } from '../auth/access-tokens';
import {
  apiKeyExists,
  auditRevocationStatement,
  findApiKey,
  insertApiKeyStatement,
  listApiKeys,
  ownerExists,
  pruneDeadApiKeysStatement,
  revokeApiKeyStatement,
  type ApiKeyOwner,
  type ApiKeyRow,
} from '../db/api-keys';
import { auditStatement } from '../db/audit-log';
import { allOf, ALWAYS, rowsOf, runBatch, type Condition } from '../db/client';
import { rateLimitStateStatement, recordRateLimitHitStatement, windowHasRoom, type RateState } from '../db/rate-limits';
import { accountWindow, RATE_RULES, windowsFull } from '../auth/rate-limits';
import { actsAtLeast } from '../db/organizations';
import { findUserById } from '../db/users';
import type { Deps } from '../deps';
import { AppError, notFound } from '../errors';
import { newId, sha256Base64Url } from '../lib/crypto';
import { membershipWithRole } from '../orgs/membership';
import type { PresentedApiKey } from './authenticate';
import { keyHints, newApiKey } from './key-format';
import { apiKeyCreatedNotice } from './notices';
import { scopesOf, type ApiKeyScope } from './scopes';

/** Making a key needs a sign-in (or a step-up) this recent: a stolen access token alone cannot mint a lasting credential. */
export const RECENT_SIGN_IN_SECONDS = 10 * 60;

export interface NewApiKeyInput {
  name: string;
  scopes: ApiKeyScope[];
  expires_at?: string | undefined;
  rate_limit_per_minute?: number | undefined;
}

/** A key as lists show it: never the key itself. */
export function toApiKeyView(row: ApiKeyRow, now: Date) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const status =
    row.revoked_at !== null
      ? 'revoked'
      : row.expires_at !== null && row.expires_at <= now.getTime()
        ? 'expired'
        : 'active';
  return {
    id: row.id,
    name: row.name,
    start: row.start,
    last4: row.last4,
    owner:
      row.user_id !== null
        ? { type: 'user' as const, id: row.user_id }
        : { type: 'organization' as const, id: row.organization_id! },
    scopes: scopesOf(row.scopes),
    rate_limit_per_minute: row.rate_limit_per_minute,
    status: status as 'active' | 'revoked' | 'expired',
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at)!,
    created_by: row.created_by,
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

export type ApiKeyView = ReturnType<typeof toApiKeyView>;

function requireRecentSignIn(deps: Deps, auth: AccessTokenClaims) {
  if (Math.floor(deps.now.getTime() / 1000) - auth.authTime > RECENT_SIGN_IN_SECONDS) {
    throw new AppError(
      'STEP_UP_REQUIRED',
      'Making an API key needs a sign-in in the last 10 minutes: confirm it is you with POST /api/auth/step-up.',
    );
  }
}

const ownerMetadata = (owner: ApiKeyOwner) =>
  'userId' in owner ? { owner_user_id: owner.userId } : { organization_id: owner.organizationId };

async function createKey(
  deps: Deps,
  input: NewApiKeyInput & {
    owner: ApiKeyOwner;
    maker: { id: string; email: string };
    /** The organization's name, for the maker's email. */
    organizationName?: string;
    when?: Condition;
  },
): Promise<{ body: ApiKeyView & { key: string }; outboxIds: string[] }> {
  const { prefix, rateLimitPerMinute } = deps.config.apiKeys;
  const limit = input.rate_limit_per_minute ?? rateLimitPerMinute;
  if (limit > rateLimitPerMinute) {
    throw new AppError('VALIDATION_ERROR', undefined, {
      issues: [
        { path: 'rate_limit_per_minute', message: `must be at most ${rateLimitPerMinute} (API_KEY_RATE_LIMIT)` },
      ],
    });
  }
  const expiresAt = input.expires_at === undefined ? null : Date.parse(input.expires_at);
  if (expiresAt !== null && expiresAt <= deps.now.getTime()) {
    throw new AppError('VALIDATION_ERROR', undefined, {
      issues: [{ path: 'expires_at', message: 'must be in the future' }],
    });
  }
  const key = newApiKey(prefix);
  const { start, last4 } = keyHints(key, prefix);
  const row = {
    id: newId(),
    start,
    last4,
    name: input.name,
    scopes: [...new Set(input.scopes)].join(' '),
    rate_limit_per_minute: limit,
    expires_at: expiresAt,
    created_at: deps.now.getTime(),
    created_by: input.maker.id,
  };
  const made = apiKeyExists(row.id);
  const notice = apiKeyCreatedNotice(
    deps,
    input.maker,
    { start, last4, scopes: row.scopes.replaceAll(' ', ', '), expiresAt, organizationName: input.organizationName },
    made,
  );
  // Each key made emails its maker: so many an hour per maker (only keys made count).
  const window = accountWindow(RATE_RULES.apiKeysPerMaker, input.maker.id);
  const allowed = allOf(input.when ?? ALWAYS, windowHasRoom(window, deps.now));
  const results = await runBatch(deps.db, [
    pruneDeadApiKeysStatement(deps.db, input.owner, deps.now, allowed),
    insertApiKeyStatement(deps.db, { ...row, keyHash: await sha256Base64Url(key), owner: input.owner }, allowed),
    recordRateLimitHitStatement(deps.db, window, deps.now, made),
    auditStatement(
      deps,
      {
        action: 'api_key.created',
        userId: input.maker.id,
        metadata: { api_key_id: row.id, name: row.name, scopes: row.scopes, ...ownerMetadata(input.owner) },
      },
      made,
    ),
    notice.statement,
    rateLimitStateStatement(deps.db, window, deps.now),
  ]);
  if ((results[1]?.meta.changes ?? 0) === 0) {
    return refusedCreation(deps, input.owner, input.maker.id, () => {
      const state = rowsOf<RateState>(results[results.length - 1])[0];
      if ((state?.hits ?? 0) >= window.limit) throw windowsFull([window], [state], deps.now);
    });
  }
  const view = toApiKeyView(
    {
      ...row,
      user_id: 'userId' in input.owner ? input.owner.userId : null,
      organization_id: 'organizationId' in input.owner ? input.owner.organizationId : null,
      last_used_at: null,
      revoked_at: null,
      revoked_by: null,
    },
    deps.now,
  );
  return { body: { ...view, key }, outboxIds: [notice.id] };
}

/**
 * Why the insert did nothing: the maker lost the role in the meantime, made the most keys an hour
 * allows (`checkWindow` throws 429), or the owner holds the most live keys.
 */
async function refusedCreation(
  deps: Deps,
  owner: ApiKeyOwner,
  createdBy: string,
  checkWindow: () => void,
): Promise<never> {
  if ('organizationId' in owner)
    await membershipWithRole(deps, { userId: createdBy } as AccessTokenClaims, owner.organizationId, 'admin');
  checkWindow();
  throw new AppError('API_KEY_LIMIT_REACHED');
}

/**
 * Keys are made from verified addresses only: someone who registered another person's address
 * (pre-account hijacking) cannot leave a key behind that outlives the owner's proof.
 */
async function requireVerifiedMaker(deps: Deps, auth: AccessTokenClaims) {
  requireRecentSignIn(deps, auth);
  const user = await findUserById(deps.db, auth.userId);
  if (!user) throw notFound('No such user.');
  if (user.emailVerifiedAt === null) {
    throw new AppError('FORBIDDEN', 'Verify your email address first, then make an API key.');
  }
  return user;
}

/** POST /api/me/api-keys: a key of the caller's own (verified address, recent sign-in). */
export async function createMyApiKey(deps: Deps, auth: AccessTokenClaims, input: NewApiKeyInput) {
  const maker = await requireVerifiedMaker(deps, auth);
  return createKey(deps, { ...input, owner: { userId: maker.id }, maker });
}

/** POST /api/orgs/{id}/api-keys: an organization's key, made by one of its admins or owners. */
export async function createOrganizationApiKey(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  input: NewApiKeyInput,
) {
  // The role first: a member is told so before being asked to confirm it is them.
  const membership = await membershipWithRole(deps, auth, organizationId, 'admin');
  const maker = await requireVerifiedMaker(deps, auth);
  return createKey(deps, {
    ...input,
    owner: { organizationId },
    maker,
    organizationName: membership.name,
    // The role is checked again in the insert: a demotion in between stops it.
    when: actsAtLeast(organizationId, auth.userId, 'admin'),
  });
}

export async function listMyApiKeys(deps: Deps, auth: AccessTokenClaims) {
  return (await listApiKeys(deps.db, { userId: auth.userId })).map((row) => toApiKeyView(row, deps.now));
}

export async function listOrganizationApiKeys(deps: Deps, auth: AccessTokenClaims, organizationId: string) {
  await membershipWithRole(deps, auth, organizationId, 'admin');
  return (await listApiKeys(deps.db, { organizationId })).map((row) => toApiKeyView(row, deps.now));
}

/**
 * Revokes the key if it is `owner`'s (any key when null: the admin area), audited in the same batch;
 * revoking a revoked key again is a no-op. 404 for a key that is not the owner's.
 */
async function revokeKey(
  deps: Deps,
  input: { id: string; owner: ApiKeyOwner | null; revokedBy: string; byAdmin: boolean; when?: Condition },
): Promise<ApiKeyView> {
  const [revoked] = await runBatch(deps.db, [
    revokeApiKeyStatement(
      deps.db,
      { id: input.id, owner: input.owner, revokedBy: input.revokedBy, now: deps.now },
      input.when,
    ),
    auditRevocationStatement(deps.db, {
      auditId: newId(),
      id: input.id,
      action: input.byAdmin ? 'admin.api_key_revoked' : 'api_key.revoked',
      actorId: input.byAdmin ? input.revokedBy : null,
      ip: deps.client.ip,
      userAgent: deps.client.userAgent,
      now: deps.now,
    }),
  ]);
  const row = rowsOf<ApiKeyRow>(revoked)[0];
  if (row) return toApiKeyView(row, deps.now);
  const existing = await findApiKey(deps.db, input.id);
  const owned = existing && (input.owner === null || sameOwner(ownerOf(existing), input.owner));
  if (!existing || !owned) throw notFound('No such API key.');
  if (existing.revoked_at === null && input.owner && 'organizationId' in input.owner) {
    // Live, and the org's: the revoker's role is what stopped it.
    await membershipWithRole(
      deps,
      { userId: input.revokedBy } as AccessTokenClaims,
      input.owner.organizationId,
      'admin',
    );
  }
  return toApiKeyView(existing, deps.now);
}

const ownerOf = (row: ApiKeyRow): ApiKeyOwner =>
  row.user_id !== null ? { userId: row.user_id } : { organizationId: row.organization_id! };

const sameOwner = (a: ApiKeyOwner, b: ApiKeyOwner) =>
  'userId' in a
    ? 'userId' in b && a.userId === b.userId
    : 'organizationId' in b && a.organizationId === b.organizationId;

export function revokeMyApiKey(deps: Deps, auth: AccessTokenClaims, id: string) {
  return revokeKey(deps, { id, owner: { userId: auth.userId }, revokedBy: auth.userId, byAdmin: false });
}

export async function revokeOrganizationApiKey(
  deps: Deps,
  auth: AccessTokenClaims,
  organizationId: string,
  id: string,
) {
  await membershipWithRole(deps, auth, organizationId, 'admin');
  return revokeKey(deps, {
    id,
    owner: { organizationId },
    revokedBy: auth.userId,
    byAdmin: false,
    when: actsAtLeast(organizationId, auth.userId, 'admin'),
  });
}

/** The admin area: any owner's keys, and revoking any key. */
export async function listApiKeysOf(deps: Deps, owner: ApiKeyOwner) {
  if (!(await ownerExists(deps.db, owner)))
    throw notFound('userId' in owner ? 'No such user.' : 'No such organization.');
  return (await listApiKeys(deps.db, owner)).map((row) => toApiKeyView(row, deps.now));
}

export function revokeAnyApiKey(deps: Deps, admin: AccessTokenClaims, id: string) {
  return revokeKey(deps, { id, owner: null, revokedBy: admin.userId, byAdmin: true });
}

/** GET /api/api-keys/self: the presented key, as checked (no further read). */
export function presentedKeyView(key: PresentedApiKey, now: Date) {
  return {
    ...toApiKeyView(
      {
        id: key.id,
        start: key.start,
        last4: key.last4,
        user_id: 'userId' in key.owner ? key.owner.userId : null,
        organization_id: 'organizationId' in key.owner ? key.owner.organizationId : null,
        name: key.name,
        scopes: key.scopes.join(' '),
        rate_limit_per_minute: key.rateLimit.limit,
        expires_at: key.expiresAt,
        created_at: key.createdAt,
        created_by: key.createdBy,
        last_used_at: key.lastUsedAt,
        revoked_at: null,
        revoked_by: null,
      },
      now,
    ),
    rate_limit: {
      limit: key.rateLimit.limit,
      remaining: Math.max(0, key.rateLimit.remaining),
      reset_at: new Date(key.rateLimit.resetAt).toISOString(),
    },
  };
}
