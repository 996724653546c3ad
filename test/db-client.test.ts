// The batching helpers in db/client.ts, and the drizzle behaviour its opening comment relies on.
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDatabase, rowsOf, runBatch, sqlStatement, statementFrom } from '../src/db/client';
import { users } from '../src/db/schema';

describe('db/client', () => {
  // Documented as batchable, but drizzle-orm 0.45's D1 session has no prepared statement to bind a
  // raw query's parameters to (drizzle-team/drizzle-orm#2277). When this test starts failing, the
  // limitation is gone and db/client.ts's comment should say so.
  it("drizzle's own batch() takes hand-written SQL only without parameters", async () => {
    const db = createDatabase(env);
    const [plain] = await db.batch([db.all<{ v: number }>(sql`SELECT 1 AS v`)]);
    expect(plain).toEqual([{ v: 1 }]);
    await expect(db.batch([db.all(sql`SELECT ${'a value'} AS v`)])).rejects.toThrow(TypeError);
    await expect(db.batch([db.run(sql`DELETE FROM users WHERE email = ${'nobody@example.com'}`)])).rejects.toThrow(
      TypeError,
    );
  });

  it('runs builder queries and hand-written statements in one native batch, all or nothing', async () => {
    const db = createDatabase(env);
    const results = await runBatch(db, [
      statementFrom(db, db.select({ id: users.id }).from(users).limit(1)),
      sqlStatement(db, 'SELECT ?1 AS v, ?2 AS w', 'x', 2),
    ]);
    expect(rowsOf(results[1])).toEqual([{ v: 'x', w: 2 }]);
    await expect(
      runBatch(db, [
        sqlStatement(db, 'CREATE TABLE batch_probe (id TEXT PRIMARY KEY)'),
        sqlStatement(db, 'INSERT INTO batch_probe (id) VALUES (?), (?)', 'same', 'same'),
      ]),
    ).rejects.toThrow(/UNIQUE/);
    const probe = await env.DB.prepare("SELECT name FROM sqlite_master WHERE name = 'batch_probe'").all();
    expect(probe.results).toEqual([]);
  });
});
