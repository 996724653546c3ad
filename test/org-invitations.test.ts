// Invitations to an organization (invite, list, revoke, accept: every route × role, bad input, the
// email, single use under concurrency, the rate limit) and the active organization in the access
// token (activate, deactivate, refresh keeps and re-reads it, requireOrgRole's example route).
import { env } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, countRows, refresh, register, type SignedInClient } from './support/auth';
import { call, expectError } from './support/http';
import { orgCall, type OrgRole } from './support/orgs';
import { TEST_APP_URL } from './support/settings';

type Role = OrgRole;

async function verify(client: SignedInClient) {
  await env.DB.prepare('UPDATE users SET email_verified_at = ? WHERE id = ?').bind(Date.now(), client.userId).run();
}

/** An organization with an owner, an admin and a member (added directly; all verified), and an outsider. */
async function team() {
  const [owner, admin, member, outsider] = await Promise.all([register(), register(), register(), register()]);
  for (const client of [owner, admin, member]) await verify(client);
  const response = await orgCall(owner, 'POST', '', { name: 'Acme' });
  expect(response.status).toBe(201);
  const org = await response.json<{ id: string }>();
  for (const [client, role] of [
    [admin, 'admin'],
    [member, 'member'],
  ] as const) {
    await env.DB.prepare('INSERT INTO memberships (organization_id, user_id, role, created_at) VALUES (?, ?, ?, ?)')
      .bind(org.id, client.userId, role, Date.now())
      .run();
  }
  return { org, owner, admin, member, outsider, as: { owner, admin, member } as Record<Role, SignedInClient> };
}

/** The token in the newest invitation email to `to`. */
async function invitationToken(to: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT text_body FROM email_outbox WHERE to_address = ? AND template = 'org_invitation' ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(to.toLowerCase())
    .first<{ text_body: string }>();
  const match = /\/invitations\/accept\?token=([^\s]+)/.exec(row?.text_body ?? '');
  expect(match).not.toBeNull();
  return decodeURIComponent(match![1]!);
}

async function invite(client: SignedInClient, orgId: string, email: string, role: Role = 'member') {
  const response = await orgCall(client, 'POST', `/${orgId}/invitations`, { email, role });
  expect(response.status).toBe(201);
  return { invitation: await response.json<{ id: string }>(), token: await invitationToken(email) };
}

const membershipCount = (orgId: string, userId: string) =>
  countRows('memberships', 'organization_id = ? AND user_id = ?', orgId, userId);

describe('POST /api/orgs/{id}/invitations', () => {
  it('stores the invitation, emails a link to the accept page, and audits it', async () => {
    const { org, admin } = await team();
    const email = `Invitee-${crypto.randomUUID().slice(0, 8)}@Example.com`;
    const response = await orgCall(admin, 'POST', `/${org.id}/invitations`, { email, role: 'admin' });
    expect(response.status).toBe(201);
    const body = await response.json<Record<string, unknown>>();
    expect(body).toMatchObject({ email: email.toLowerCase(), role: 'admin', invited_by: admin.userId });
    expect(Object.keys(body).sort()).toEqual(['created_at', 'email', 'expires_at', 'id', 'invited_by', 'role']);
    expect(Date.parse(body.expires_at as string) - Date.parse(body.created_at as string)).toBe(7 * 86_400_000);
    const token = await invitationToken(email.toLowerCase());
    expect(token).toMatch(new RegExp(`^${body.id as string}\\.`));
    const mail = await env.DB.prepare(
      "SELECT text_body FROM email_outbox WHERE template = 'org_invitation' AND to_address = ?",
    )
      .bind(email.toLowerCase())
      .first<{ text_body: string }>();
    expect(mail?.text_body).toContain(`${TEST_APP_URL}/invitations/accept?token=`);
    expect(mail?.text_body).not.toContain('Acme'); // no user-chosen text in our emails
    // Only the secret's hash is stored.
    const stored = await env.DB.prepare('SELECT secret_hash FROM invitations WHERE id = ?')
      .bind(body.id)
      .first<{ secret_hash: string }>();
    expect(stored?.secret_hash).not.toBe(token.split('.')[1]);
    expect(await countRows('audit_log', "user_id = ? AND action = 'org.member_invited'", admin.userId)).toBe(1);
  });

  it('lets owners and admins invite up to their own role; members, outsiders and the signed out cannot', async () => {
    const { org, as, outsider } = await team();
    const email = () => `inv-${crypto.randomUUID().slice(0, 8)}@example.com`;
    expect((await orgCall(as.owner, 'POST', `/${org.id}/invitations`, { email: email(), role: 'owner' })).status).toBe(
      201,
    );
    expect((await orgCall(as.admin, 'POST', `/${org.id}/invitations`, { email: email() })).status).toBe(201);
    const before = await countRows('invitations', 'organization_id = ?', org.id);
    const tooHigh = await orgCall(as.admin, 'POST', `/${org.id}/invitations`, { email: email(), role: 'owner' });
    expect((await expectError(tooHigh, 403, 'ORG_ROLE_REQUIRED')).error).toContain('owner');
    await expectError(
      await orgCall(as.member, 'POST', `/${org.id}/invitations`, { email: email() }),
      403,
      'ORG_ROLE_REQUIRED',
    );
    await expectError(await orgCall(outsider, 'POST', `/${org.id}/invitations`, { email: email() }), 404, 'NOT_FOUND');
    await expectError(
      await orgCall(null, 'POST', `/${org.id}/invitations`, { email: email() }),
      401,
      'AUTH_HEADER_MISSING',
    );
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(before);
    expect(
      await countRows('email_outbox', "template = 'org_invitation' AND to_address LIKE 'inv-%' AND rowid > 0"),
    ).toBeGreaterThan(0);
  });

  it("refuses bad input, and a member's address (409 ALREADY_MEMBER)", async () => {
    const { org, owner, member } = await team();
    for (const body of [
      {},
      { email: 'not-an-email' },
      { email: 'a@b.co', role: 'king' },
      { email: 'a@b.co', extra: 1 },
      { email: 5 },
    ]) {
      await expectError(await orgCall(owner, 'POST', `/${org.id}/invitations`, body), 400, 'VALIDATION_ERROR');
    }
    await expectError(
      await orgCall(owner, 'POST', `/${org.id}/invitations`, { email: member.email.toUpperCase() }),
      409,
      'ALREADY_MEMBER',
    );
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(0);
  });

  it('replaces a pending invitation to the same address: the earlier link stops working', async () => {
    const { org, owner } = await team();
    const invitee = await register();
    await verify(invitee);
    const first = await invite(owner, org.id, invitee.email);
    const second = await invite(owner, org.id, invitee.email, 'admin');
    expect(second.invitation.id).not.toBe(first.invitation.id);
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(1);
    await expectError(
      await orgCall(invitee, 'POST', '/invitations/accept', { token: first.token }),
      400,
      'INVITATION_INVALID',
    );
    const accepted = await orgCall(invitee, 'POST', '/invitations/accept', { token: second.token });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ id: org.id, role: 'admin' });
  });

  it('refuses an inviter whose own address is not verified (403 FORBIDDEN)', async () => {
    const owner = await register();
    const org = await (await orgCall(owner, 'POST', '', { name: 'Unverified' })).json<{ id: string }>();
    const refused = await orgCall(owner, 'POST', `/${org.id}/invitations`, { email: 'someone@example.com' });
    expect((await expectError(refused, 403, 'FORBIDDEN')).error).toContain('Verify');
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(0);
    expect(await countRows('email_outbox', 'to_address = ?', 'someone@example.com')).toBe(0);
  });

  it('mails at most 50 invitations an hour from one organization, revoked ones included', async () => {
    const { org, owner } = await team();
    const now = Date.now();
    await env.DB.batch(
      Array.from({ length: 50 }, () =>
        env.DB.prepare('INSERT INTO rate_limit_hits (key, hit_at) VALUES (?, ?)').bind(`invite-org:${org.id}`, now),
      ),
    );
    const refused = await orgCall(owner, 'POST', `/${org.id}/invitations`, { email: 'fifty-one@example.com' });
    await expectError(refused, 429, 'RATE_LIMITED');
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(3000);
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(0);
  });

  it("does not let an admin replace an owner's invitation", async () => {
    const { org, owner, admin } = await team();
    const email = `inv-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await invite(owner, org.id, email, 'owner');
    await expectError(await orgCall(admin, 'POST', `/${org.id}/invitations`, { email }), 403, 'ORG_ROLE_REQUIRED');
    expect(await countRows('invitations', "organization_id = ? AND role = 'owner'", org.id)).toBe(1);
  });

  it('keeps an organization to 100 pending invitations (409 INVITATION_LIMIT_REACHED)', async () => {
    const { org, owner } = await team();
    const now = Date.now();
    const rows = Array.from({ length: 100 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO invitations (id, organization_id, email, role, secret_hash, created_at, expires_at) VALUES (?, ?, ?, 'member', 'x', ?, ?)",
      ).bind(`seeded${i}${crypto.randomUUID().slice(0, 8)}`, org.id, `seed${i}@example.com`, now, now + 86_400_000),
    );
    await env.DB.batch(rows);
    await expectError(
      await orgCall(owner, 'POST', `/${org.id}/invitations`, { email: 'one-more@example.com' }),
      409,
      'INVITATION_LIMIT_REACHED',
    );
    // Re-inviting a pending address replaces it, so it is not refused.
    expect((await orgCall(owner, 'POST', `/${org.id}/invitations`, { email: 'seed7@example.com' })).status).toBe(201);
  });

  it('mails one address at most 5 invitations an hour, exactly, under concurrency (429 with Retry-After)', async () => {
    const owners = await Promise.all(Array.from({ length: 8 }, () => register()));
    for (const owner of owners) await verify(owner);
    const orgs = await Promise.all(
      owners.map(
        async (owner) => (await (await orgCall(owner, 'POST', '', { name: 'Many' })).json<{ id: string }>()).id,
      ),
    );
    const email = `target-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const responses = await Promise.all(
      owners.map((owner, i) => orgCall(owner, 'POST', `/${orgs[i]}/invitations`, { email })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    const limited = responses.find((r) => r.status === 429)!;
    await expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(await countRows('invitations', 'email = ?', email)).toBe(5);
    expect(await countRows('email_outbox', 'to_address = ?', email)).toBe(5);
  });
});

describe('GET and DELETE /api/orgs/{id}/invitations', () => {
  it('lists pending invitations to owners and admins only', async () => {
    const { org, as, outsider } = await team();
    const email = `inv-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await invite(as.admin, org.id, email);
    for (const role of ['owner', 'admin'] as const) {
      const response = await orgCall(as[role], 'GET', `/${org.id}/invitations`);
      expect(response.status).toBe(200);
      const { invitations } = await response.json<{ invitations: { email: string }[] }>();
      expect(invitations.map((i) => i.email)).toEqual([email]);
    }
    await expectError(await orgCall(as.member, 'GET', `/${org.id}/invitations`), 403, 'ORG_ROLE_REQUIRED');
    await expectError(await orgCall(outsider, 'GET', `/${org.id}/invitations`), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'GET', `/${org.id}/invitations`), 401, 'AUTH_HEADER_MISSING');
  });

  it('revokes an invitation (its link stops working); members, outsiders and other organizations cannot', async () => {
    const { org, as, outsider } = await team();
    const other = await team();
    const invitee = await register();
    await verify(invitee);
    const { invitation, token } = await invite(as.owner, org.id, invitee.email);
    await expectError(
      await orgCall(as.member, 'DELETE', `/${org.id}/invitations/${invitation.id}`),
      403,
      'ORG_ROLE_REQUIRED',
    );
    await expectError(await orgCall(outsider, 'DELETE', `/${org.id}/invitations/${invitation.id}`), 404, 'NOT_FOUND');
    // An admin of another organization, naming it: no such invitation there.
    await expectError(
      await orgCall(other.owner, 'DELETE', `/${other.org.id}/invitations/${invitation.id}`),
      404,
      'NOT_FOUND',
    );
    await expectError(
      await orgCall(null, 'DELETE', `/${org.id}/invitations/${invitation.id}`),
      401,
      'AUTH_HEADER_MISSING',
    );
    expect(await countRows('invitations', 'id = ?', invitation.id)).toBe(1);
    expect((await orgCall(as.admin, 'DELETE', `/${org.id}/invitations/${invitation.id}`)).status).toBe(204);
    await expectError(await orgCall(as.admin, 'DELETE', `/${org.id}/invitations/${invitation.id}`), 404, 'NOT_FOUND');
    expect(await countRows('audit_log', "user_id = ? AND action = 'org.invitation_revoked'", as.admin.userId)).toBe(1);
    await expectError(await orgCall(invitee, 'POST', '/invitations/accept', { token }), 400, 'INVITATION_INVALID');
    expect(await membershipCount(org.id, invitee.userId)).toBe(0);
  });

  it("lets only an owner revoke an owner's invitation", async () => {
    const { org, as } = await team();
    const { invitation } = await invite(
      as.owner,
      org.id,
      `inv-${crypto.randomUUID().slice(0, 8)}@example.com`,
      'owner',
    );
    const refused = await orgCall(as.admin, 'DELETE', `/${org.id}/invitations/${invitation.id}`);
    expect((await expectError(refused, 403, 'ORG_ROLE_REQUIRED')).error).toContain('owner');
    expect((await orgCall(as.owner, 'DELETE', `/${org.id}/invitations/${invitation.id}`)).status).toBe(204);
  });
});

describe('POST /api/orgs/invitations/accept', () => {
  it('makes the invited, verified account a member with the invited role, once', async () => {
    const { org, owner } = await team();
    const invitee = await register();
    await verify(invitee);
    const { token } = await invite(owner, org.id, invitee.email.toUpperCase(), 'admin');
    const response = await orgCall(invitee, 'POST', '/invitations/accept', { token });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: org.id, name: 'Acme', role: 'admin' });
    expect(await membershipCount(org.id, invitee.userId)).toBe(1);
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(0);
    expect(await countRows('audit_log', "user_id = ? AND action = 'org.invitation_accepted'", invitee.userId)).toBe(1);
    await expectError(await orgCall(invitee, 'POST', '/invitations/accept', { token }), 400, 'INVITATION_INVALID');
  });

  it('refuses another address, and the invited address before it is verified (403 INVITATION_EMAIL_MISMATCH)', async () => {
    const { org, owner } = await team();
    const invitee = await register();
    const stranger = await register();
    await verify(stranger);
    const { token } = await invite(owner, org.id, invitee.email);
    await expectError(
      await orgCall(stranger, 'POST', '/invitations/accept', { token }),
      403,
      'INVITATION_EMAIL_MISMATCH',
    );
    const unverified = await orgCall(invitee, 'POST', '/invitations/accept', { token });
    expect((await expectError(unverified, 403, 'INVITATION_EMAIL_MISMATCH')).error).toContain('Verify');
    expect(await countRows('memberships', 'organization_id = ?', org.id)).toBe(3);
    // Still usable by its owner once verified.
    await verify(invitee);
    expect((await orgCall(invitee, 'POST', '/invitations/accept', { token })).status).toBe(200);
  });

  it('refuses malformed, forged, expired and unknown tokens, and the signed out', async () => {
    const { org, owner } = await team();
    const invitee = await register();
    await verify(invitee);
    const { invitation, token } = await invite(owner, org.id, invitee.email);
    const [id, secret] = token.split('.') as [string, string];
    const forged = `${id}.${secret.slice(0, -2)}${secret.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of ['x', `${id}.`, forged, `${'a'.repeat(24)}.${secret}`, `${token}x`]) {
      await expectError(
        await orgCall(invitee, 'POST', '/invitations/accept', { token: bad }),
        400,
        'INVITATION_INVALID',
      );
    }
    for (const body of [{}, { token: 5 }, { token: '' }, { token: 'x'.repeat(201) }, { token, extra: 1 }]) {
      await expectError(await orgCall(invitee, 'POST', '/invitations/accept', body), 400, 'VALIDATION_ERROR');
    }
    await expectError(await orgCall(null, 'POST', '/invitations/accept', { token }), 401, 'AUTH_HEADER_MISSING');
    await env.DB.prepare('UPDATE invitations SET expires_at = ? WHERE id = ?')
      .bind(Date.now() - 1, invitation.id)
      .run();
    await expectError(await orgCall(invitee, 'POST', '/invitations/accept', { token }), 400, 'INVITATION_INVALID');
    expect(await membershipCount(org.id, invitee.userId)).toBe(0);
  });

  it('stops working once its sender is demoted below the invited role, or removed', async () => {
    const { org, owner, admin } = await team();
    const invitee = await register();
    const other = await register();
    await verify(invitee);
    await verify(other);
    const { token } = await invite(admin, org.id, invitee.email, 'admin');
    const { token: memberToken } = await invite(admin, org.id, other.email, 'member');
    expect((await orgCall(owner, 'PATCH', `/${org.id}/members/${admin.userId}`, { role: 'member' })).status).toBe(200);
    const refused = await orgCall(invitee, 'POST', '/invitations/accept', { token });
    expect((await expectError(refused, 400, 'INVITATION_INVALID')).error).toContain('no longer valid');
    // A member may not invite anyone: the sender's member invitation goes too.
    await expectError(
      await orgCall(other, 'POST', '/invitations/accept', { token: memberToken }),
      400,
      'INVITATION_INVALID',
    );
    expect(await membershipCount(org.id, invitee.userId)).toBe(0);
    // Promoted again, the sender's invitations work again; removed, they stop.
    expect((await orgCall(owner, 'PATCH', `/${org.id}/members/${admin.userId}`, { role: 'admin' })).status).toBe(200);
    expect((await orgCall(owner, 'DELETE', `/${org.id}/members/${admin.userId}`)).status).toBe(204);
    await expectError(await orgCall(invitee, 'POST', '/invitations/accept', { token }), 400, 'INVITATION_INVALID');
    expect(await membershipCount(org.id, invitee.userId)).toBe(0);
  });

  it('makes exactly one membership out of 8 concurrent accepts', async () => {
    const { org, owner } = await team();
    const invitee = await register();
    await verify(invitee);
    const { token } = await invite(owner, org.id, invitee.email);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => orgCall(invitee, 'POST', '/invitations/accept', { token })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses).toContain(200);
    for (const response of responses.filter((r) => r.status !== 200)) {
      await expectError(response, 400, 'INVITATION_INVALID');
    }
    expect(await membershipCount(org.id, invitee.userId)).toBe(1);
    expect(await countRows('audit_log', "user_id = ? AND action = 'org.invitation_accepted'", invitee.userId)).toBe(1);
    expect(await countRows('invitations', 'organization_id = ?', org.id)).toBe(0);
  });
});

describe('the active organization', () => {
  const claimsOf = (accessToken: string) => decodeJwt(accessToken);

  it('activate returns an access token with org_id and org_role; refresh keeps them and re-reads the role', async () => {
    const { org, member, outsider } = await team();
    const response = await orgCall(member, 'POST', `/${org.id}/activate`);
    expect(response.status).toBe(200);
    const body = await response.json<{ access_token: string; organization: { id: string; role: string } }>();
    expect(body.organization).toMatchObject({ id: org.id, role: 'member' });
    expect(claimsOf(body.access_token)).toMatchObject({ sub: member.userId, org_id: org.id, org_role: 'member' });
    expect(response.headers.get('Set-Cookie')).toBeNull();

    const refreshed = await refresh(member.refreshToken);
    expect(refreshed.status).toBe(200);
    const first = await refreshed.json<{ access_token: string }>();
    expect(claimsOf(first.access_token)).toMatchObject({ org_id: org.id, org_role: 'member' });

    await env.DB.prepare("UPDATE memberships SET role = 'admin' WHERE organization_id = ? AND user_id = ?")
      .bind(org.id, member.userId)
      .run();
    const cookie = /refresh_token=([^;]+)/.exec(refreshed.headers.get('Set-Cookie') ?? '')![1]!;
    const promoted = await refresh(cookie);
    const second = await promoted.json<{ access_token: string }>();
    expect(claimsOf(second.access_token)).toMatchObject({ org_id: org.id, org_role: 'admin' });

    await env.DB.prepare('DELETE FROM memberships WHERE organization_id = ? AND user_id = ?')
      .bind(org.id, member.userId)
      .run();
    const removedCookie = /refresh_token=([^;]+)/.exec(promoted.headers.get('Set-Cookie') ?? '')![1]!;
    const removed = await (await refresh(removedCookie)).json<{ access_token: string }>();
    const claims = claimsOf(removed.access_token);
    expect(claims.org_id).toBeUndefined();
    expect(claims.org_role).toBeUndefined();

    await expectError(await orgCall(outsider, 'POST', `/${org.id}/activate`), 404, 'NOT_FOUND');
    await expectError(await orgCall(null, 'POST', `/${org.id}/activate`), 401, 'AUTH_HEADER_MISSING');
  });

  it('deactivate drops the claims; a revoked session cannot activate', async () => {
    const { org, owner } = await team();
    const activated = await (await orgCall(owner, 'POST', `/${org.id}/activate`)).json<{ access_token: string }>();
    const withOrg = { ...owner, accessToken: activated.access_token };
    const response = await orgCall(withOrg, 'POST', '/deactivate');
    expect(response.status).toBe(200);
    const body = await response.json<{ access_token: string; organization: null }>();
    expect(body.organization).toBeNull();
    expect(claimsOf(body.access_token).org_id).toBeUndefined();
    expect(
      claimsOf((await (await refresh(owner.refreshToken)).json<{ access_token: string }>()).access_token).org_id,
    ).toBeUndefined();

    await env.DB.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ?').bind(Date.now(), owner.userId).run();
    await expectError(await orgCall(owner, 'POST', `/${org.id}/activate`), 401, 'TOKEN_INVALID');
  });

  it("guards the example route by the active organization's role (requireOrgRole)", async () => {
    const { org, as } = await team();
    const example = (client: SignedInClient | null) =>
      call('/api/examples/org-admin', { headers: client ? bearer(client.accessToken) : {} });
    const noOrg = await example(as.admin);
    expect((await expectError(noOrg, 403, 'ORG_ROLE_REQUIRED')).error).toContain('Activate');
    for (const role of ['owner', 'admin', 'member'] as const) {
      const { access_token } = await (
        await orgCall(as[role], 'POST', `/${org.id}/activate`)
      ).json<{ access_token: string }>();
      const response = await example({ ...as[role], accessToken: access_token });
      if (role === 'member') {
        await expectError(response, 403, 'ORG_ROLE_REQUIRED');
      } else {
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ organization_id: org.id, org_role: role });
      }
    }
    await expectError(await example(null), 401, 'AUTH_HEADER_MISSING');
  });
});
