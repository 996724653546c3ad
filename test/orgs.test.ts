// /api/orgs: organizations and their members, every route × role (owner, admin, member, non-member,
// signed out), bad input, the last-owner rule under concurrency, and account deletion.
import { env } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, countRows, deleteMe, register, STRONG_PASSWORD, type SignedInClient } from './support/auth';
import { call, expectError } from './support/http';
import { orgCall, type OrgRole } from './support/orgs';
import { TEST_APP_URL } from './support/settings';

afterEach(() => vi.restoreAllMocks());

type Role = OrgRole;

const uniqueSlug = () => `org-${crypto.randomUUID().slice(0, 8)}`;

/** An organization created by its owner through the API, with an admin and a member added to it, and an outsider. */
async function team() {
  const [owner, admin, member, outsider] = await Promise.all([register(), register(), register(), register()]);
  const response = await orgCall(owner, 'POST', '', { name: 'Acme', slug: uniqueSlug() });
  expect(response.status).toBe(201);
  const org = await response.json<{ id: string; slug: string }>();
  await addMember(org.id, admin, 'admin');
  await addMember(org.id, member, 'member');
  return { org, owner, admin, member, outsider, as: { owner, admin, member } as Record<Role, SignedInClient> };
}

/** Invitations come later: tests add members directly. */
async function addMember(orgId: string, client: SignedInClient, role: Role) {
  await env.DB.prepare('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
    .bind(orgId, client.userId, role, Date.now())
    .run();
}

async function roleOf(orgId: string, userId: string) {
  const row = await env.DB.prepare('SELECT role FROM memberships WHERE organization_id = ? AND user_id = ?')
    .bind(orgId, userId)
    .first<{ role: Role }>();
  return row?.role ?? null;
}

describe('POST /api/orgs', () => {
  it('creates an organization whose creator is its owner, and audits it', async () => {
    const owner = await register();
    const slug = uniqueSlug();
    const response = await orgCall(owner, 'POST', '', { name: '  Acme Inc.  ', slug });
    expect(response.status).toBe(201);
    const org = await response.json<Record<string, unknown>>();
    expect(org).toMatchObject({ name: 'Acme Inc.', slug, role: 'owner' });
    expect(Object.keys(org).sort()).toEqual(['created_at', 'id', 'name', 'role', 'slug']);
    expect(await roleOf(org.id as string, owner.userId)).toBe('owner');
    expect(await countRows('audit_log', "user_id = ? AND action = 'org.created'", owner.userId)).toBe(1);
  });

  it('makes a slug from the name, with a random suffix when that one is taken', async () => {
    const owner = await register();
    const name = `Zeta ${crypto.randomUUID().slice(0, 6)} Ünïcode!`;
    const first = await (await orgCall(owner, 'POST', '', { name })).json<{ slug: string }>();
    expect(first.slug).toMatch(/^zeta-[a-z0-9]+-unicode$/);
    const second = await (await orgCall(owner, 'POST', '', { name })).json<{ slug: string }>();
    expect(second.slug).toMatch(new RegExp(`^${first.slug}-[a-z0-9]{1,5}$`));
  });

  it('refuses a slug in use (409 SLUG_TAKEN), and exactly one of 8 concurrent creates with one slug wins', async () => {
    const owner = await register();
    const slug = uniqueSlug();
    expect((await orgCall(owner, 'POST', '', { name: 'A', slug })).status).toBe(201);
    await expectError(await orgCall(owner, 'POST', '', { name: 'B', slug }), 409, 'SLUG_TAKEN');
    const raced = uniqueSlug();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => orgCall(owner, 'POST', '', { name: 'C', slug: raced })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await countRows('organizations', 'slug = ?', raced)).toBe(1);
    expect(await countRows('audit_log', "action = 'org.created' AND metadata LIKE ?", `%${raced}%`)).toBe(1);
  });

  it('caps an account at 100 organizations, exactly, under concurrent creates', async () => {
    const owner = await register();
    const now = Date.now();
    // 99 memberships already (made in SQL, quicker than 99 requests).
    await env.DB.batch(
      Array.from({ length: 99 }, (_, i) => {
        const id = `cap-${owner.userId}-${i}`;
        return env.DB.prepare(
          `INSERT INTO organizations (id, name, slug, created_by, created_at, updated_at) VALUES (?1, 'Cap', ?1, ?2, ?3, ?3)`,
        ).bind(id, owner.userId, now);
      }),
    );
    await env.DB.batch(
      Array.from({ length: 99 }, (_, i) =>
        env.DB.prepare(
          "INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
        ).bind(`cap-${owner.userId}-${i}`, owner.userId, now),
      ),
    );
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => orgCall(owner, 'POST', '', { name: 'One more' })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const response of responses.filter((r) => r.status === 409)) {
      await expectError(response, 409, 'ORG_LIMIT_REACHED');
    }
    expect(await countRows('memberships', 'user_id = ?', owner.userId)).toBe(100);
    expect(await countRows('organizations', "created_by = ? AND name = 'One more'", owner.userId)).toBe(1);
  });

  it('refuses bad input and a missing token, creating nothing', async () => {
    const owner = await register();
    const before = await countRows('organizations');
    for (const body of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: 42 },
      { name: 'A', slug: 'ab' },
      { name: 'A', slug: 'Upper' },
      { name: 'A', slug: 'double--hyphen' },
      { name: 'A', slug: '-edge' },
      { name: 'A', slug: 'x'.repeat(49) },
      { name: 'A', extra: true },
    ]) {
      await expectError(await orgCall(owner, 'POST', '', body), 400, 'VALIDATION_ERROR');
    }
    await expectError(await orgCall(null, 'POST', '', { name: 'A' }), 401, 'AUTH_HEADER_MISSING');
    expect(await countRows('organizations')).toBe(before);
  });
});

describe('reading organizations', () => {
  it('lists mine with my role, and shows one to its members only', async () => {
    const { org, as, outsider } = await team();
    for (const role of ['owner', 'admin', 'member'] as const) {
      const list = await (await orgCall(as[role], 'GET', '')).json<{ organizations: { id: string; role: string }[] }>();
      expect(list.organizations.find((o) => o.id === org.id)?.role).toBe(role);
      const one = await orgCall(as[role], 'GET', `/${org.id}`);
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({ id: org.id, role });
    }
    expect((await (await orgCall(outsider, 'GET', '')).json<{ organizations: unknown[] }>()).organizations).toEqual([]);
    await expectError(await orgCall(outsider, 'GET', `/${org.id}`), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'GET', `/${org.id}`), 401, 'AUTH_HEADER_MISSING');
    await expectError(await orgCall(null, 'GET', ''), 401, 'AUTH_HEADER_MISSING');
    await expectError(await orgCall(outsider, 'GET', `/${'x'.repeat(65)}`), 400, 'VALIDATION_ERROR');
  });

  it('pages the members, oldest first, to members only', async () => {
    const { org, as, outsider, owner, admin, member } = await team();
    const first = await (
      await orgCall(as.member, 'GET', `/${org.id}/members?limit=2`)
    ).json<{
      members: { user_id: string; role: string; email: string }[];
      next_cursor: string | null;
    }>();
    expect(first.members.map((m) => m.user_id)).toEqual([owner.userId, admin.userId]);
    expect(first.members[0]).toMatchObject({ role: 'owner', email: owner.email });
    const second = await (
      await orgCall(as.member, 'GET', `/${org.id}/members?limit=2&cursor=${first.next_cursor}`)
    ).json<{ members: { user_id: string }[]; next_cursor: string | null }>();
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.members.map((m) => m.user_id)).toEqual([member.userId]);
    await expectError(await orgCall(outsider, 'GET', `/${org.id}/members`), 404, 'NOT_FOUND');
    await expectError(await orgCall(as.owner, 'GET', `/${org.id}/members?cursor=nope`), 400, 'VALIDATION_ERROR');
    await expectError(await orgCall(as.owner, 'GET', `/${org.id}/members?limit=0`), 400, 'VALIDATION_ERROR');
    await expectError(await orgCall(null, 'GET', `/${org.id}/members`), 401, 'AUTH_HEADER_MISSING');
  });
});

describe('PATCH and DELETE /api/orgs/{id}', () => {
  it('lets admins and owners rename, and no one else', async () => {
    const { org, as, outsider } = await team();
    for (const role of ['owner', 'admin'] as const) {
      const response = await orgCall(as[role], 'PATCH', `/${org.id}`, { name: `By ${role}` });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ name: `By ${role}`, slug: org.slug, role });
    }
    const slug = uniqueSlug();
    expect(await (await orgCall(as.admin, 'PATCH', `/${org.id}`, { slug })).json()).toMatchObject({ slug });
    await expectError(await orgCall(as.member, 'PATCH', `/${org.id}`, { name: 'No' }), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(outsider, 'PATCH', `/${org.id}`, { name: 'No' }), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'PATCH', `/${org.id}`, { name: 'No' }), 401, 'AUTH_HEADER_MISSING');
    await expectError(await orgCall(as.owner, 'PATCH', `/${org.id}`, {}), 400, 'VALIDATION_ERROR');
    await expectError(await orgCall(as.owner, 'PATCH', `/${org.id}`, { slug: 'Bad Slug' }), 400, 'VALIDATION_ERROR');
    for (const name of ['\u202eevil', 'a\nb', '\u0000x', '\u200b']) {
      await expectError(await orgCall(as.owner, 'PATCH', `/${org.id}`, { name }), 400, 'VALIDATION_ERROR');
    }
    const other = await team();
    await expectError(await orgCall(as.owner, 'PATCH', `/${org.id}`, { slug: other.org.slug }), 409, 'SLUG_TAKEN');
    const row = await env.DB.prepare('SELECT name, slug FROM organizations WHERE id = ?').bind(org.id).first();
    expect(row).toEqual({ name: 'By admin', slug });
    expect(await countRows('audit_log', "action = 'org.renamed' AND metadata LIKE ?", `%${org.id}%`)).toBe(3);
  });

  it('lets owners delete, with the memberships, and no one else', async () => {
    const { org, as, outsider } = await team();
    await expectError(await orgCall(as.admin, 'DELETE', `/${org.id}`), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(as.member, 'DELETE', `/${org.id}`), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(outsider, 'DELETE', `/${org.id}`), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'DELETE', `/${org.id}`), 401, 'AUTH_HEADER_MISSING');
    expect(await countRows('memberships', 'organization_id = ?', org.id)).toBe(3);
    expect((await orgCall(as.owner, 'DELETE', `/${org.id}`)).status).toBe(204);
    expect(await countRows('organizations', 'id = ?', org.id)).toBe(0);
    expect(await countRows('memberships', 'organization_id = ?', org.id)).toBe(0);
    expect(await countRows('audit_log', "action = 'org.deleted' AND metadata LIKE ?", `%${org.id}%`)).toBe(1);
    await expectError(await orgCall(as.owner, 'GET', `/${org.id}`), 404, 'NOT_FOUND');
  });
});

describe('member roles', () => {
  const setRole = (client: SignedInClient | null, orgId: string, userId: string, role: unknown) =>
    orgCall(client, 'PATCH', `/${orgId}/members/${userId}`, { role });

  it('lets a role grant at most itself, to members not above it', async () => {
    const { org, as, member, admin, owner, outsider } = await team();
    // An admin may make a member an admin, never an owner, and may not touch an owner.
    await expectError(await setRole(as.admin, org.id, member.userId, 'owner'), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await setRole(as.admin, org.id, owner.userId, 'member'), 403, 'ORG_ROLE_REQUIRED');
    expect(await (await setRole(as.admin, org.id, member.userId, 'admin')).json()).toEqual({
      user_id: member.userId,
      role: 'admin',
    });
    // A member may change no role, not even to the role someone already has.
    const plain = await register();
    await addMember(org.id, plain, 'member');
    await expectError(await setRole(plain, org.id, admin.userId, 'member'), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await setRole(plain, org.id, owner.userId, 'owner'), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await setRole(plain, org.id, plain.userId, 'member'), 403, 'ORG_ROLE_REQUIRED');
    // The owner setting the role a member has already: nothing changes, nothing is refused.
    expect((await setRole(as.owner, org.id, owner.userId, 'owner')).status).toBe(200);
    // The owner may grant ownership.
    expect((await setRole(as.owner, org.id, admin.userId, 'owner')).status).toBe(200);
    expect(await roleOf(org.id, admin.userId)).toBe('owner');
    await expectError(await setRole(outsider, org.id, member.userId, 'member'), 404, 'NOT_FOUND');
    await expectError(await setRole(as.owner, org.id, outsider.userId, 'member'), 404, 'NOT_FOUND');
    await expectError(await setRole(null, org.id, member.userId, 'member'), 401, 'AUTH_HEADER_MISSING');
    for (const role of ['boss', '', null, 1]) {
      await expectError(await setRole(as.owner, org.id, member.userId, role), 400, 'VALIDATION_ERROR');
    }
    expect(await countRows('audit_log', "action = 'org.member_role_changed' AND metadata LIKE ?", `%${org.id}%`)).toBe(
      2,
    );
  });

  it('never demotes the last owner, even when two owners demote each other at once', async () => {
    const { org, as, admin, owner } = await team();
    await expectError(await setRole(as.owner, org.id, owner.userId, 'admin'), 409, 'LAST_OWNER');
    await setRole(as.owner, org.id, admin.userId, 'owner');
    const [a, b] = await Promise.all([
      setRole(as.owner, org.id, admin.userId, 'member'),
      setRole(as.admin, org.id, owner.userId, 'member'),
    ]);
    // The loser is refused as the last owner, or, demoted first, as no longer an owner.
    expect(a.status === 200 ? b.status : a.status).toBeOneOf([403, 409]);
    expect([a.status, b.status]).toContain(200);
    expect(await countRows('memberships', "organization_id = ? AND role = 'owner'", org.id)).toBe(1);
  });
});

describe('removing and leaving', () => {
  const remove = (client: SignedInClient | null, orgId: string, userId: string) =>
    orgCall(client, 'DELETE', `/${orgId}/members/${userId}`);

  it('lets admins and owners remove members not above them, and members leave', async () => {
    const { org, as, member, admin, owner, outsider } = await team();
    await expectError(await remove(as.member, org.id, admin.userId), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await remove(as.admin, org.id, owner.userId), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await remove(outsider, org.id, member.userId), 404, 'NOT_FOUND');
    await expectError(await remove(as.owner, org.id, outsider.userId), 404, 'NOT_FOUND');
    await expectError(await remove(null, org.id, member.userId), 401, 'AUTH_HEADER_MISSING');
    expect((await remove(as.admin, org.id, member.userId)).status).toBe(204);
    expect(await roleOf(org.id, member.userId)).toBeNull();
    // Removed a moment ago, their token (still valid) no longer reaches the organization.
    await expectError(await orgCall(member, 'GET', `/${org.id}`), 404, 'NOT_FOUND');
    expect((await orgCall(as.admin, 'POST', `/${org.id}/leave`)).status).toBe(204);
    expect(await countRows('memberships', 'organization_id = ?', org.id)).toBe(1);
    await expectError(await orgCall(as.admin, 'POST', `/${org.id}/leave`), 404, 'NOT_FOUND');
    expect(
      await countRows(
        'audit_log',
        "action IN ('org.member_removed', 'org.member_left') AND metadata LIKE ?",
        `%${org.id}%`,
      ),
    ).toBe(2);
  });

  it('keeps the last owner: they can neither leave nor be removed', async () => {
    const { org, as, owner } = await team();
    const leaving = await expectError(await orgCall(as.owner, 'POST', `/${org.id}/leave`), 409, 'LAST_OWNER');
    expect(leaving.error).toContain('make another member an owner');
    await expectError(await remove(as.owner, org.id, owner.userId), 409, 'LAST_OWNER');
    // Alone, they still cannot leave an organization without an owner: they delete it instead.
    const solo = await register();
    const alone = await (await orgCall(solo, 'POST', '', { name: 'Solo' })).json<{ id: string }>();
    await expectError(await orgCall(solo, 'POST', `/${alone.id}/leave`), 409, 'LAST_OWNER');
    expect(await roleOf(org.id, owner.userId)).toBe('owner');
  });

  it('lets exactly one of two owners leave when both leave at once', async () => {
    const { org, as, admin } = await team();
    await orgCall(as.owner, 'PATCH', `/${org.id}/members/${admin.userId}`, { role: 'owner' });
    const results = await Promise.all([
      orgCall(as.owner, 'POST', `/${org.id}/leave`),
      orgCall(as.admin, 'POST', `/${org.id}/leave`),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await countRows('memberships', "organization_id = ? AND role = 'owner'", org.id)).toBe(1);
  });
});

describe('deleting an account that owns organizations', () => {
  it('refuses the last owner of an organization with other members (409 LAST_OWNER), deleting nothing', async () => {
    const { org, owner } = await team();
    await expectError(await deleteMe(owner.accessToken, { password: STRONG_PASSWORD }), 409, 'LAST_OWNER');
    expect(await countRows('users', 'id = ?', owner.userId)).toBe(1);
    expect(await roleOf(org.id, owner.userId)).toBe('owner');
  });

  it('deletes the organizations the account was the only member of, and leaves the others', async () => {
    const { org, member } = await team();
    const own = await (await orgCall(member, 'POST', '', { name: 'Mine' })).json<{ id: string }>();
    expect((await deleteMe(member.accessToken, { password: STRONG_PASSWORD })).status).toBe(204);
    expect(await countRows('organizations', 'id = ?', own.id)).toBe(0);
    expect(await countRows('organizations', 'id = ?', org.id)).toBe(1);
    expect(await countRows('memberships', 'organization_id = ?', org.id)).toBe(2);
  });
});

describe('the organizations feature, loaded on first use', () => {
  it("runs behind the app's middleware like any route: CORS, the log line's code, the bookmark, security headers", async () => {
    const client = await register();
    const preflight = await call('/api/orgs', {
      method: 'OPTIONS',
      headers: {
        Origin: TEST_APP_URL,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(TEST_APP_URL);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const missing = await call('/api/orgs/no-such-org', {
      headers: { ...bearer(client.accessToken), Origin: TEST_APP_URL },
    });
    await expectError(missing, 404, 'NOT_FOUND');
    expect(missing.headers.get('Access-Control-Allow-Origin')).toBe(TEST_APP_URL);
    expect(missing.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(missing.headers.get('X-Request-Id')).toBeTruthy();
    const line = logs.mock.calls
      .map(([text]) => JSON.parse(String(text)) as { msg: string; path?: string; status?: number; code?: string })
      .find((entry) => entry.msg === 'request' && entry.path === '/api/orgs/no-such-org');
    expect(line).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const listed = await call('/api/orgs', { headers: bearer(client.accessToken) });
    expect(listed.headers.get('X-D1-Bookmark')).toBeTruthy();
    // Unknown paths under the feature are the API's 404, and a body is read once, as elsewhere.
    await expectError(await call('/api/orgs/a/b/c', { headers: bearer(client.accessToken) }), 404, 'NOT_FOUND');
    const malformed = await call('/api/orgs', {
      method: 'POST',
      headers: { ...bearer(client.accessToken), 'Content-Type': 'application/json' },
      body: '{"name":',
    });
    await expectError(malformed, 400, 'INVALID_JSON');
  });
});
