// Moving the clock the Worker sees (Date only); D1 rows keep the times they were written with.
import { vi } from 'vitest';

/** Moves Date forward by `ms`; the test file restores real timers (vi.useRealTimers) after each test. */
export function advanceClock(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + ms);
}
