// The drizzle client over the D1 binding: the only module besides config.ts that reads bindings.
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema';

export type Database = DrizzleD1Database<typeof schema>;

export function createDatabase(bindings: { DB: D1Database }): Database {
  return drizzle(bindings.DB, { schema });
}
