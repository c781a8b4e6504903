import type { Clock } from '../src/support/clock';

/**
 * A clock that only moves when told to, or when code sleeps on it: a sleep returns at once, the clock
 * then reading at least its start plus its length. Sleeps that overlap end at the latest of their ends,
 * as on a real clock, so ten concurrent 100 ms backoffs take 100 ms, not a second. Every sleep is kept.
 */
export class FakeClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];

  constructor(start = Date.parse('2026-12-07T09:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  async sleep(ms: number): Promise<void> {
    const until = this.#now + Math.max(0, ms);
    this.sleeps.push(ms);
    // Let whatever else is ready run first, as it would while a real timer waits.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#now = Math.max(this.#now, until);
  }

  /** Moves the clock on, as if `ms` had passed. */
  advance(ms: number): void {
    this.#now += ms;
  }
}
