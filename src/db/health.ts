// The trivial query behind GET /api/health (and the forgot-password answer's even second round trip).
import { sql } from 'drizzle-orm';
import type { Database } from './client';

/** Resolves when D1 answers a trivial query; rejects otherwise. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.run(sql`select 1`);
}
