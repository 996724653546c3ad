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

/** Wraps a D1 binding; a batch() is one round trip however many statements it carries. */
export function countingD1(db: D1Database): { db: D1Database; counts: D1Counts } {
  const counts: D1Counts = { roundTrips: 0, statements: 0, batches: 0 };
  const wrapped = new Proxy(db, {
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
      if (property === 'exec') {
        return (sql: string) => {
          counts.roundTrips += 1;
          return target.exec(sql);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: wrapped, counts };
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
  const wrapped = new Proxy(db, {
    get(target, property) {
      if (property === 'batch') {
        return async (statements: D1PreparedStatement[]) => {
          batches += 1;
          if (batches === n) {
            reachedResolve();
            await released;
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: wrapped, reached, release: () => releaseResolve() };
}
