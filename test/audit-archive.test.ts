// The audit archive: the cron job moves old audit entries from D1 to the AUDIT_ARCHIVE R2 bucket,
// losing none, deletes archived days past the retention, and admins read a day back.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { archiveAuditEntries, deleteArchivedBefore } from '../src/admin/audit-archive';
import { createDatabase } from '../src/db/client';
import worker from '../src/index';
import { bearer, countRows, register, registerAdmin } from './support/auth';
import { call, callWithBindings, expectError } from './support/http';

afterEach(() => vi.restoreAllMocks());

const DAY = 86_400_000;
const newTestId = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => 'abcdefghijklmnopqrstuvwxyz234567'[b & 31]).join('');

/** Inserts entries tagged in their metadata (each test's own), oldest first; their ids. */
async function insertEntries(tag: string, times: number[], extra: { action?: string; userId?: string } = {}) {
  const ids = times.map(() => newTestId());
  await env.DB.batch(
    times.map((at, i) =>
      env.DB.prepare(
        'INSERT INTO audit_log (id, user_id, action, ip_address, user_agent, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).bind(
        ids[i],
        extra.userId ?? null,
        extra.action ?? 'test.archive',
        '203.0.113.7',
        'Test/1.0',
        JSON.stringify({ tag }),
        at,
      ),
    ),
  );
  return ids;
}

interface ArchivedEntry {
  id: string;
  action: string;
  metadata: { tag?: string } | null;
  created_at: string;
  user_agent: string | null;
}

/** Every archived object under `audit/<day>/`, with its entries. */
async function archivedDay(day: string) {
  const listing = await env.AUDIT_ARCHIVE.list({ prefix: `audit/${day}/` });
  return Promise.all(
    listing.objects.map(async ({ key }) => {
      const object = (await env.AUDIT_ARCHIVE.get(key))!;
      const text = await new Response(object.body.pipeThrough(new DecompressionStream('gzip'))).text();
      const entries = text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as ArchivedEntry);
      return { key, entries, contentType: object.httpMetadata?.contentType };
    }),
  );
}

async function runCron(bindings: Record<string, unknown> = {}) {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }),
    { ...env, ...bindings } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('the cron job and the audit archive', () => {
  it('moves entries older than AUDIT_ARCHIVE_AFTER_DAYS (30) to R2 as gzipped NDJSON, and keeps newer ones in D1', async () => {
    const tag = crypto.randomUUID();
    const old = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 40 * DAY;
    const oldIds = await insertEntries(tag, [old + 1000, old + 2000, old + 3000]);
    const [recentId] = await insertEntries(tag, [Date.now() - 29 * DAY]);
    await runCron();
    expect(await countRows('audit_log', 'id IN (?, ?, ?)', ...oldIds)).toBe(0);
    expect(await countRows('audit_log', 'id = ?', recentId)).toBe(1);
    const objects = (await archivedDay(dayOf(old))).filter((o) => o.entries.some((e) => e.metadata?.tag === tag));
    expect(objects).toHaveLength(1);
    expect(objects[0]!.contentType).toBe('application/gzip');
    expect(objects[0]!.entries.map((e) => e.id)).toEqual(oldIds);
    // Each line is the entry as GET /api/admin/audit shows it.
    expect(objects[0]!.entries[0]).toEqual({
      id: oldIds[0],
      user_id: null,
      actor_id: null,
      action: 'test.archive',
      ip_address: '203.0.113.7',
      user_agent: 'Test/1.0',
      metadata: { tag },
      created_at: new Date(old + 1000).toISOString(),
    });
  });

  it('keeps every entry in D1 until AUDIT_RETENTION_DAYS when no bucket is bound', async () => {
    const tag = crypto.randomUUID();
    const ids = await insertEntries(tag, [Date.now() - 40 * DAY]);
    await runCron({ AUDIT_ARCHIVE: undefined });
    expect(await countRows('audit_log', 'id = ?', ids[0])).toBe(1);
  });

  it('writes one object per chunk of one UTC day, at most maxChunks a run', async () => {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const dayA = Date.UTC(2001, 2, 3);
    const dayB = dayA + DAY;
    const idsA = await insertEntries(
      tag,
      [1, 2, 3, 4, 5].map((s) => dayA + s * 1000),
    );
    const idsB = await insertEntries(
      tag,
      [1, 2, 3].map((s) => dayB + s * 1000),
    );
    const cutoff = Date.UTC(2001, 11, 31);
    // 4 from day A, then the fifth alone (the next rows are day B's): two chunks, the run's limit.
    expect(await archiveAuditEntries(db, env.AUDIT_ARCHIVE, cutoff, { chunkRows: 4, maxChunks: 2 })).toBe(5);
    expect(await countRows('audit_log', 'id IN (?, ?, ?)', ...idsB)).toBe(3);
    expect(await archiveAuditEntries(db, env.AUDIT_ARCHIVE, cutoff, { chunkRows: 4, maxChunks: 2 })).toBe(3);
    const a = await archivedDay('2001-03-03');
    const b = await archivedDay('2001-03-04');
    expect(a.map((o) => o.entries.map((e) => e.id))).toEqual([idsA.slice(0, 4), idsA.slice(4)]);
    expect(b.map((o) => o.entries.map((e) => e.id))).toEqual([idsB]);
    expect(a[0]!.key).toBe(`audit/2001-03-03/${String(dayA + 1000).padStart(13, '0')}-${idsA[0]}-4.ndjson.gz`);
  });

  it('deletes nothing from D1 when R2 refuses the write', async () => {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const ids = await insertEntries(tag, [Date.UTC(2002, 0, 1), Date.UTC(2002, 0, 1) + 1]);
    const failing = new Proxy(env.AUDIT_ARCHIVE, {
      get: (target, property) =>
        property === 'put'
          ? () => Promise.reject(new Error('R2 is down'))
          : Reflect.get(target, property, target).bind(target),
    });
    await expect(archiveAuditEntries(db, failing, Date.UTC(2002, 0, 2))).rejects.toThrow('R2 is down');
    expect(await countRows('audit_log', 'id IN (?, ?)', ...ids)).toBe(2);
    // The next run, with R2 back, moves them.
    expect(await archiveAuditEntries(db, env.AUDIT_ARCHIVE, Date.UTC(2002, 0, 2))).toBe(2);
  });

  it('archives again, under the same key, what a run that died after writing left in D1', async () => {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const at = Date.UTC(2002, 1, 1);
    const ids = await insertEntries(tag, [at, at + 1, at + 2]);
    // The write lands, then the run dies before deleting.
    const dying = new Proxy(env.AUDIT_ARCHIVE, {
      get: (target, property) =>
        property === 'put'
          ? async (...args: Parameters<R2Bucket['put']>) => {
              await target.put(...args);
              throw new Error('the isolate went away');
            }
          : Reflect.get(target, property, target).bind(target),
    });
    await expect(archiveAuditEntries(db, dying, at + DAY)).rejects.toThrow('the isolate went away');
    expect(await countRows('audit_log', 'id IN (?, ?, ?)', ...ids)).toBe(3);
    expect(await archiveAuditEntries(db, env.AUDIT_ARCHIVE, at + DAY)).toBe(3);
    const objects = await archivedDay('2002-02-01');
    expect(objects.map((o) => o.entries.map((e) => e.id))).toEqual([ids]);
  });

  it('loses nothing when two runs archive at once', async () => {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const at = Date.UTC(2002, 2, 1);
    const ids = await insertEntries(
      tag,
      Array.from({ length: 30 }, (_, i) => at + i * 1000),
    );
    const cutoffs = [at + 15_000, at + DAY];
    await Promise.all(cutoffs.map((cutoff) => archiveAuditEntries(db, env.AUDIT_ARCHIVE, cutoff, { chunkRows: 7 })));
    expect(await countRows('audit_log', 'metadata = ?', JSON.stringify({ tag }))).toBe(0);
    const archivedIds = new Set((await archivedDay('2002-03-01')).flatMap((o) => o.entries.map((e) => e.id)));
    expect([...archivedIds].sort()).toEqual([...ids].sort());
  });

  it('deletes archived days past AUDIT_RETENTION_DAYS, oldest first, and keeps the rest', async () => {
    const bucket = env.AUDIT_ARCHIVE;
    for (const day of ['2000-06-13', '2000-06-14', '2000-06-15', '2000-06-16']) {
      await bucket.put(`audit/${day}/0000000000000-x-1.ndjson.gz`, 'x');
    }
    expect(await deleteArchivedBefore(bucket, Date.UTC(2000, 5, 15, 12))).toBe(2);
    const left = await bucket.list({ prefix: 'audit/2000-06' });
    expect(left.objects.map((o) => o.key.slice(6, 16))).toEqual(['2000-06-15', '2000-06-16']);
  });
});

describe('GET /api/admin/audit/archive', () => {
  async function archivedFixture() {
    const db = createDatabase(env);
    const tag = crypto.randomUUID();
    const at = Date.UTC(2003, 3, 5);
    const user = newTestId();
    const ids = [
      ...(await insertEntries(tag, [at + 1, at + 2], { action: 'login', userId: user })),
      ...(await insertEntries(tag, [at + 3], { action: 'password.reset' })),
    ];
    await archiveAuditEntries(db, env.AUDIT_ARCHIVE, at + DAY, { chunkRows: 2 });
    return { ids, user, day: '2003-04-05' };
  }

  it('reads a day back, oldest first, one archived object per page, with the hot log filters', async () => {
    const { ids, user, day } = await archivedFixture();
    const admin = await registerAdmin();
    const first = await call(`/api/admin/audit/archive?day=${day}`, { headers: bearer(admin.accessToken) });
    expect(first.status).toBe(200);
    const page1 = await first.json<{ entries: ArchivedEntry[]; next_cursor: string | null }>();
    expect(page1.entries.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(page1.next_cursor).not.toBeNull();
    const second = await call(`/api/admin/audit/archive?day=${day}&cursor=${page1.next_cursor}`, {
      headers: bearer(admin.accessToken),
    });
    const page2 = await second.json<{ entries: ArchivedEntry[]; next_cursor: string | null }>();
    expect(page2).toMatchObject({ next_cursor: null });
    expect(page2.entries.map((e) => e.id)).toEqual(ids.slice(2));
    const filtered = await call(`/api/admin/audit/archive?day=${day}&user_id=${user}&action=log*`, {
      headers: bearer(admin.accessToken),
    });
    expect((await filtered.json<{ entries: ArchivedEntry[] }>()).entries.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const empty = await call('/api/admin/audit/archive?day=1999-01-01', { headers: bearer(admin.accessToken) });
    expect(await empty.json()).toEqual({ entries: [], next_cursor: null });
  });

  it('skips what it cannot read (logged) and goes on to the next object', async () => {
    const admin = await registerAdmin();
    const day = '2004-05-06';
    const gzipped = (text: string) =>
      new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
    const good = { id: 'a', user_id: null, actor_id: null, action: 'login', created_at: `${day}T00:00:00.000Z` };
    await env.AUDIT_ARCHIVE.put(
      `audit/${day}/1-good.ndjson.gz`,
      await gzipped(`${JSON.stringify(good)}\nnull\n{oops\n`),
    );
    await env.AUDIT_ARCHIVE.put(`audit/${day}/2-not gzip..odd name`, 'plain text');
    await env.AUDIT_ARCHIVE.put(
      `audit/${day}/3-last.ndjson.gz`,
      await gzipped(`${JSON.stringify({ ...good, id: 'b' })}\n`),
    );
    const logs = vi.spyOn(console, 'log').mockImplementation(() => {});
    const pages: { entries: { id: string }[]; next_cursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const query = `day=${day}&action=log*${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await call(`/api/admin/audit/archive?${query}`, { headers: bearer(admin.accessToken) });
      expect(response.status).toBe(200);
      pages.push(await response.json());
      cursor = pages[pages.length - 1]!.next_cursor;
    } while (cursor !== null && pages.length < 5);
    expect(pages.map((page) => page.entries.map((entry) => entry.id))).toEqual([['a'], [], ['b']]);
    const logged = logs.mock.calls.map(([line]) => JSON.parse(String(line)) as { msg: string; skipped?: number });
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'audit archive lines skipped', skipped: 2 }),
        expect.objectContaining({ msg: 'audit archive object unreadable' }),
      ]),
    );
  });

  it('refuses bad input, non-admins and a missing archive', async () => {
    const admin = await registerAdmin();
    const member = await register();
    const asAdmin = { headers: bearer(admin.accessToken) };
    for (const query of [
      '',
      '?day=yesterday',
      '?day=2026-13-01',
      '?day=2026-02-30',
      '?day=2003-04-05&cursor=../../secrets',
      '?day=2003-04-05&cursor=',
      `?day=2003-04-05&cursor=${'9'.repeat(300)}`,
    ]) {
      await expectError(await call(`/api/admin/audit/archive${query}`, asAdmin), 400, 'VALIDATION_ERROR');
    }
    await expectError(await call('/api/admin/audit/archive?day=2003-04-05'), 401, 'AUTH_HEADER_MISSING');
    await expectError(
      await call('/api/admin/audit/archive?day=2003-04-05', { headers: bearer(member.accessToken) }),
      403,
      'FORBIDDEN',
    );
    const missing = await callWithBindings(
      { AUDIT_ARCHIVE: undefined },
      '/api/admin/audit/archive?day=2003-04-05',
      asAdmin,
    );
    const body = await expectError(missing, 404, 'NOT_FOUND');
    expect(body.error).toContain('AUDIT_ARCHIVE');
  });
});
