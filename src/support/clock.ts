import { setTimeout as wait } from 'node:timers/promises';

/**
 * Where code reads the time and waits: the system's in production, a fake one in tests, so that
 * deadlines, backoffs and caches are tested without waiting them out.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once `ms` milliseconds of this clock have passed. */
  sleep(ms: number): Promise<void>;
}

/** The system clock: `Date.now()` and a timer. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms) => {
    await wait(Math.max(0, ms));
  },
};

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
