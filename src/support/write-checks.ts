import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A check that must pass right before each attempt of a write: after any pacing wait and before every
 * retry, so that a write held back (throttled, backed off) is not sent on a decision that went stale
 * meanwhile. The core sets it around a write; the OCI call layer runs it; neither imports the other.
 */
export const writeChecks = new AsyncLocalStorage<() => Promise<void>>();

/**
 * Thrown when a write check could not be made (its own read failed, after its own retries): the write is
 * not sent and not retried as if it had failed itself; `cause` is the read's error.
 */
export class WriteCheckFailed extends Error {
  constructor(cause: unknown) {
    super('the check before a write could not be made', { cause });
    this.name = 'WriteCheckFailed';
  }
}

/** Thrown by a write check: the write was not sent, because a newer HR fact was applied meanwhile. */
export class WriteWithdrawn extends Error {
  constructor(readonly appliedAt: string) {
    super(`a newer HR fact (of ${appliedAt}) was applied meanwhile`);
    this.name = 'WriteWithdrawn';
  }
}
