// What domain functions take from a request or a job: one shape for every feature.
import type { Config } from './config';
import type { Database } from './db/client';
import type { ClientInfo } from './lib/client-info';
import type { Logger } from './lib/log';

/**
 * Made once per request by `depsFrom` (router.ts), once per run by the scheduled job. A function
 * that needs less takes a `Pick<Deps, ...>` naming what it uses, so tests can call it with only that.
 */
export interface Deps {
  /** D1 for writes and for every read a decision rests on: the primary (see RequestDatabases). */
  db: Database;
  /** D1 for pure reads that may be served by a nearby replica, at least as new as the client's bookmark. */
  replica: Database;
  config: Config;
  /** When the request (or job run) started: one instant, so every row a request writes agrees. */
  now: Date;
  /** The caller's address and user agent, for rate limits and audit entries. */
  client: ClientInfo;
  /** Carries the request id on every line. */
  log: Logger;
}

/**
 * A pure read from the replica (`deps.replica`), asked again of the primary when the replica has no
 * answer before that becomes "not found" or "not signed in": a replica may only be behind, say a row
 * written a moment ago by a client that sends no bookmark.
 */
export async function readNearby<T>(
  deps: Pick<Deps, 'db' | 'replica'>,
  read: (db: Database) => Promise<T | null>,
): Promise<T | null> {
  return (await read(deps.replica)) ?? read(deps.db);
}
