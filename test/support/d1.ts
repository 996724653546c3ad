// D1 test doubles: a binding that counts round trips and statements (query budgets), and one that holds a batch (races).
export interface D1Counts {
  roundTrips: number;
  statements: number;
  batches: number;
}

const ORIGINAL = Symbol('original statement');

function countingStatement(statement: D1PreparedStatement, counts: D1Counts): D1PreparedStatement {
  return new Proxy(statement, {
    get(target, property) {
      if (property === ORIGINAL) return target;
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'bind') {
        return (...args: unknown[]) => countingStatement(value.apply(target, args), counts);
      }
      if (property === 'run' || property === 'all' || property === 'first' || property === 'raw') {
        return (...args: unknown[]) => {
          counts.roundTrips += 1;
          counts.statements += 1;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

const original = (statement: D1PreparedStatement): D1PreparedStatement =>
  (statement as unknown as Record<symbol, D1PreparedStatement | undefined>)[ORIGINAL] ?? statement;

/**
 * Wraps a D1 binding; a batch() is one round trip however many statements it carries. The sessions
 * the Worker opens on it (withSession, read replication) count into the same totals.
 */
export function countingD1(db: D1Database): { db: D1Database; counts: D1Counts } {
  const counts: D1Counts = { roundTrips: 0, statements: 0, batches: 0 };
  return { db: counting(db, counts), counts };
}

function counting<T extends D1Database | D1DatabaseSession>(target: T, counts: D1Counts): T {
  return new Proxy(target, {
    get(target, property) {
      if (property === 'prepare') return (sql: string) => countingStatement(target.prepare(sql), counts);
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          counts.roundTrips += 1;
          counts.batches += 1;
          counts.statements += statements.length;
          // workerd's batch() wants its own statement objects, not proxies of them.
          return target.batch(statements.map(original));
        };
      }
      if (property === 'exec' && 'exec' in target) {
        return (sql: string) => {
          counts.roundTrips += 1;
          return target.exec(sql);
        };
      }
      if (property === 'withSession' && 'withSession' in target) {
        return (start?: string) => counting(target.withSession(start), counts);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Wraps a D1 binding, and the sessions the Worker opens on it, so that `onBatch` runs each batch. */
function hookingBatches<T extends D1Database | D1DatabaseSession>(
  target: T,
  onBatch: (statements: D1PreparedStatement[], run: () => Promise<D1Result[]>) => Promise<D1Result[]>,
): T {
  return new Proxy(target, {
    get(target, property) {
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) => onBatch(statements, () => target.batch(statements));
      }
      if (property === 'withSession' && 'withSession' in target) {
        return (start?: string) => hookingBatches(target.withSession(start), onBatch);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Wraps a D1 binding so that its `n`-th batch waits until `release()`: a request can be paused
 * between reading and writing, to run another request in between (races made deterministic).
 * `reached` resolves when that batch is about to run.
 */
export function holdingD1(db: D1Database, n: number) {
  let batches = 0;
  let reachedResolve!: () => void;
  let releaseResolve!: () => void;
  const reached = new Promise<void>((resolve) => (reachedResolve = resolve));
  const released = new Promise<void>((resolve) => (releaseResolve = resolve));
  const wrapped = hookingBatches(db, async (_statements, run) => {
    batches += 1;
    if (batches === n) {
      reachedResolve();
      await released;
    }
    return run();
  });
  return { db: wrapped, reached, release: () => releaseResolve() };
}

/** Wraps a D1 binding so that the first batch `matches` accepts fails, as a database outage would. */
export function failingOnceD1(db: D1Database, matches: (statements: D1PreparedStatement[]) => boolean) {
  let failed = false;
  return hookingBatches(db, (statements, run) => {
    if (!failed && matches(statements)) {
      failed = true;
      return Promise.reject(new Error('D1_ERROR: simulated outage'));
    }
    return run();
  });
}

/**
 * Wraps a D1 binding and records how the Worker opens its sessions (read replication): one entry
 * per withSession() call, 'first-primary', 'first-unconstrained' or the bookmark it started from.
 */
export function sessionRecordingD1(db: D1Database): { db: D1Database; sessionsOpened: string[] } {
  const sessionsOpened: string[] = [];
  const wrapped = new Proxy(db, {
    get(target, property) {
      if (property === 'withSession') {
        return (start?: string) => {
          sessionsOpened.push(start ?? '(none)');
          return target.withSession(start);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: wrapped, sessionsOpened };
}

/**
 * Wraps a D1 binding so that sessions started anywhere but the primary read from a replica that has
 * none of the rows yet (every SELECT answers no rows): replication lag, made total and deterministic.
 */
export function laggingReplicaD1(db: D1Database): D1Database {
  const empty = (result: D1Result): D1Result => ({ ...result, results: [] });
  return new Proxy(db, {
    get(target, property) {
      if (property === 'withSession') {
        return (start?: string) => {
          const session = target.withSession(start);
          if (start === 'first-primary') return session;
          return new Proxy(session, {
            get(session, property) {
              if (property === 'batch') {
                return async (statements: D1PreparedStatement[]) =>
                  (await session.batch(statements.map(original))).map(empty);
              }
              if (property === 'prepare') {
                return (sql: string) => {
                  const statement = session.prepare(sql);
                  const staleStatement = (s: D1PreparedStatement): D1PreparedStatement =>
                    new Proxy(s, {
                      get(s, property) {
                        if (property === ORIGINAL) return s;
                        if (property === 'bind') return (...args: unknown[]) => staleStatement(s.bind(...args));
                        if (property === 'all' || property === 'run') return async () => empty(await s.all());
                        if (property === 'first') return async () => null;
                        if (property === 'raw') return async () => [];
                        const value = Reflect.get(s, property, s);
                        return typeof value === 'function' ? value.bind(s) : value;
                      },
                    });
                  return staleStatement(statement);
                };
              }
              const value = Reflect.get(session, property, session);
              return typeof value === 'function' ? value.bind(session) : value;
            },
          });
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
