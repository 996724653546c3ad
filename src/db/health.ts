// The database liveness probe behind GET /api/health.
import { sql } from 'drizzle-orm';
import type { Database } from './client';

/** Resolves when D1 answers a trivial query; rejects otherwise. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.run(sql`select 1`);
}
