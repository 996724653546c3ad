// GET and PATCH /api/me.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { bearer, countRows, register } from './support/auth';
import { call, expectError } from './support/http';

function patchMe(accessToken: string, body: unknown) {
  return call('/api/me', {
    method: 'PATCH',
    headers: { ...bearer(accessToken), 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('GET /api/me', () => {
  it('returns the user with the contract fields and no secrets', async () => {
    const client = await register({ name: 'Grace' });
    const response = await call('/api/me', { headers: bearer(client.accessToken) });
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    const me = await response.json<Record<string, unknown>>();
    expect(me).toEqual({
      id: client.userId,
      email: client.email,
      name: 'Grace',
      email_verified: false,
      role: 'user',
      created_at: expect.stringMatching(/Z$/),
      subscription: { status: 'none' },
    });
    expect(JSON.stringify(me)).not.toMatch(/password|hash|scrypt/i);
  });

  it('answers 401 TOKEN_INVALID when the account behind a still-valid token is gone, or disabled', async () => {
    const gone = await register();
    await env.DB.prepare('DELETE FROM users WHERE id = ?').bind(gone.userId).run();
    const disabled = await register();
    await env.DB.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').bind(Date.now(), disabled.userId).run();
    for (const client of [gone, disabled]) {
      const response = await call('/api/me', { headers: bearer(client.accessToken) });
      await expectError(response, 401, 'TOKEN_INVALID');
    }
  });

  it('requires a valid bearer token', async () => {
    await expectError(await call('/api/me'), 401, 'AUTH_HEADER_MISSING');
  });
});

describe('PATCH /api/me', () => {
  it('accepts names in any script, with emoji and the joiners they need', async () => {
    const client = await register();
    for (const name of ['Zoë 😀', 'محمد', 'नमस्ते', 'می‌خواهم', '👩‍💻 Ada', '李小龍']) {
      const response = await patchMe(client.accessToken, { name });
      expect(response.status).toBe(200);
      expect((await response.json<{ name: string }>()).name).toBe(name);
    }
  });

  it('changes the name (trimmed) and clears it with null', async () => {
    const client = await register();
    const renamed = await patchMe(client.accessToken, { name: '  Ada  ' });
    expect(renamed.status).toBe(200);
    expect((await renamed.json<{ name: string }>()).name).toBe('Ada');
    const cleared = await patchMe(client.accessToken, { name: null });
    expect((await cleared.json<{ name: string | null }>()).name).toBeNull();
  });

  it.each([
    ['an empty object', {}],
    ['a number', { name: 5 }],
    ['a blank name', { name: '   ' }],
    ['a 101-character name', { name: 'n'.repeat(101) }],
    ['a name on two lines', { name: 'Ada\nVisit https://evil.example' }],
    ['a name with a control character', { name: 'Ada\u0000' }],
    ['a name with a bidirectional isolate', { name: 'Ada\u2066x' }],
    ['a name with an Arabic letter mark', { name: 'Ada\u061Cx' }],
    ['a name with a zero-width space', { name: 'Ad\u200Ba' }],
    ['a name with a byte order mark', { name: 'Ad\uFEFFa' }],
    ['a name with tag characters', { name: 'Ada\u{E0041}\u{E0042}' }],
    ['a name with a Hangul filler', { name: 'Ada\u3164' }],
    ['a name with a lone surrogate', { name: 'X\uD800Y' }],
    ['an unknown field (no mass assignment)', { name: 'Ada', role: 'admin' }],
    ['an email change', { name: 'Ada', email: 'other@example.com' }],
  ])('answers 400 VALIDATION_ERROR for %s and changes nothing', async (_label, body) => {
    const client = await register({ name: 'Before' });
    const response = await patchMe(client.accessToken, body);
    await expectError(response, 400, 'VALIDATION_ERROR');
    expect(await countRows('users', "id = ? AND name = 'Before' AND role = 'user'", client.userId)).toBe(1);
  });

  it('answers INVALID_JSON for malformed JSON and 401 without a token', async () => {
    const client = await register();
    await expectError(await patchMe(client.accessToken, '{"name":'), 400, 'INVALID_JSON');
    const anonymous = await call('/api/me', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name":"x"}',
    });
    expect(anonymous.status).toBe(401);
  });
});
