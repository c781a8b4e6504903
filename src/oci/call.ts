import { AsyncLocalStorage } from 'node:async_hooks';
import { type Clock, systemClock } from '../support/clock';
import { OciCallError } from '../support/errors';
import type { Logger } from '../support/logger';
import { WriteCheckFailed, WriteWithdrawn, writeChecks } from '../support/write-checks';

/** How one invocation calls OCI: until when, and how many attempts per call. */
export interface CallPolicy {
  /** Epoch milliseconds after which no attempt starts. */
  readonly deadline: number;
  readonly maxAttempts: number;
  readonly log: Logger;
  /** Told of every throttled answer (429) and its `Retry-After`, so a batch can slow down. */
  readonly onThrottled?: (kind: CallKind, retryAfterMs: number | undefined) => void;
  /** Waits for an attempt's turn (a batch paces its calls once OCI has throttled it). */
  readonly turn?: (kind: CallKind) => Promise<void>;
  /** Told of every attempt that was not throttled. */
  readonly onPassed?: (kind: CallKind) => void;
  /** The time the deadline and the backoff are read in; the system clock when absent. */
  readonly clock?: Clock;
}

/** The clock a policy reads the time in. */
export const clockOf = (policy: Pick<CallPolicy, 'clock'>): Clock => policy.clock ?? systemClock;

/** The HTTP answer of the attempt in flight, as far as the retry needs it. */
interface AttemptScope {
  retryAfterMs?: number;
}
const attempts = new AsyncLocalStorage<AttemptScope>();
/** Retry-After is capped: a longer wait is better spent by the next invocation. */
const MAX_RETRY_AFTER_MS = 30_000;

/** Throttled answers (429) a call waits out before they count as failed attempts. */
const MAX_THROTTLED_TRIES = 32;

/** Reads `Retry-After` (RFC 9110 section 10.2.3): seconds, or an HTTP date. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

interface HttpClientLike {
  send: (...args: unknown[]) => Promise<unknown>;
}

/**
 * The SDK's `OciError` keeps the status, code and opc-request-id of a failed call but none of its
 * headers (oci-common 2.139.1 `OciError`), and its own retrier ignores `Retry-After`. This wraps the
 * client's HTTP sender so a 429's `Retry-After` reaches `callOci` through the attempt's async
 * context. It relies on the client's `_httpClient` field (oci-common's generated clients all have
 * one); if a later SDK drops it, the client is left as it is and throttled calls fall back to the
 * exponential backoff, which a unit test would show.
 */
export function observeRetryAfter<T extends object>(client: T): T {
  const holder = client as unknown as { _httpClient?: HttpClientLike };
  const inner = holder._httpClient;
  if (!inner || typeof inner.send !== 'function') return client;
  const send = inner.send.bind(inner);
  holder._httpClient = Object.assign(Object.create(inner) as HttpClientLike, {
    send: async (...args: unknown[]) => {
      const response = await send(...args);
      const scope = attempts.getStore();
      const answer = response as { status?: unknown; headers?: { get?: (name: string) => string | null } };
      if (scope && answer.status === 429) scope.retryAfterMs = retryAfterMs(answer.headers?.get?.('retry-after'));
      return response;
    },
  });
  return client;
}

export type CallKind = 'write' | 'read';
/** Operations that change something, by OCI's naming (CreateUser, UpdatePolicy, AddUserToGroup, PutObject, …). */
export const kindOf = (operation: string): CallKind =>
  /^(Create|Update|Add|Remove|Delete|Put|Patch|Set|Commit|Upload|Publish|Invoke|Abort|Bulk)/.test(operation) ? 'write' : 'read';

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * Eventual consistency: for a while after an IAM write, OCI may answer 404 NotAuthorizedOrNotFound
 * or 400 RelatedResourceNotAuthorizedOrNotFound about what was just written. Oracle's SDKs retry
 * exactly these two, and only within about four minutes of an IAM write seen by the same process
 * (read: the OCI SDKs' "eventual consistency" retry documentation; not checked against a live tenancy).
 */
const IAM_WRITES = new Set([
  'CreateUser',
  'UpdateUser',
  'UpdateUserCapabilities',
  'DeleteUser',
  'CreateGroup',
  'DeleteGroup',
  'AddUserToGroup',
  'RemoveUserFromGroup',
  'CreatePolicy',
  'UpdatePolicy',
  'DeletePolicy',
  'CreateDynamicGroup',
  'UpdateDynamicGroup',
  'CreateOrResetUIPassword',
  'PatchUser',
  'PatchGroup',
  'PutUserPasswordChanger',
  'Bulk',
]);
const CONSISTENCY_WINDOW_MS = 4 * 60_000;
let lastIamWriteAt = Number.NEGATIVE_INFINITY;

function isEventualConsistency(error: OciCallError, now: number): boolean {
  return (
    now - lastIamWriteAt < CONSISTENCY_WINDOW_MS &&
    ((error.status === 404 && error.ociCode === 'NotAuthorizedOrNotFound') ||
      (error.status === 400 && error.ociCode === 'RelatedResourceNotAuthorizedOrNotFound'))
  );
}
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 4000;

interface SdkError {
  statusCode?: unknown;
  serviceCode?: unknown;
  message?: unknown;
  opcRequestId?: unknown;
}

/**
 * Translates whatever the SDK threw into an OciCallError. The SDK throws `OciError` for HTTP
 * answers and a plain `{ message: "fetch failed" }` (or a TypeError) for network failures.
 */
export function translateOciError(operation: string, error: unknown): OciCallError {
  if (error instanceof OciCallError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkError;
  const status = typeof e.statusCode === 'number' && e.statusCode > 0 ? e.statusCode : undefined;
  const ociCode = typeof e.serviceCode === 'string' && e.serviceCode ? e.serviceCode : status === undefined ? 'NetworkError' : undefined;
  return new OciCallError({
    operation,
    status,
    ociCode,
    message: typeof e.message === 'string' ? e.message.slice(0, 300) : 'unknown error',
    opcRequestId: typeof e.opcRequestId === 'string' ? e.opcRequestId : undefined,
    // OCI's own retry rules: throttling, server errors, IncorrectState conflicts, and no answer at all.
    retryable: status === undefined || RETRYABLE_STATUS.has(status) || (status === 409 && ociCode === 'IncorrectState'),
  });
}

/**
 * Calls OCI with retries and full-jitter exponential backoff, never past the invocation deadline.
 * The SDK's own retrier and circuit breaker are switched off (see clients.ts), so this is the only retry.
 * @example const user = await callOci('GetUser', () => client.getUser({ userId }), policy);
 */
export async function callOci<T>(
  operation: string,
  send: () => Promise<T>,
  policy: CallPolicy,
  options: { retryAlso?: (error: OciCallError) => boolean } = {},
): Promise<T> {
  const kind = kindOf(operation);
  const clock = clockOf(policy);
  // A throttled answer is the service pacing us, not a failure: it waits what `Retry-After` says and does
  // not use up an attempt, up to MAX_THROTTLED_TRIES of them (the deadline bounds the wait anyway). When
  // 429s counted as attempts, workers of one upload sharing a domain's windows lost eight turns in a row
  // and failed whole Bulk requests' rows with 429 while the windows reopened every few seconds.
  let throttledTries = 0;
  for (let attempt = 1; ; attempt += 1) {
    const scope: AttemptScope = {};
    try {
      await policy.turn?.(kind);
      // The caller's check (support/write-checks.ts), right before the request leaves, on every attempt.
      const check = kind === 'write' ? writeChecks.getStore() : undefined;
      if (check)
        await check().catch((error: unknown) => Promise.reject(error instanceof WriteWithdrawn ? error : new WriteCheckFailed(error)));
      const answer = await attempts.run(scope, send);
      policy.onPassed?.(kind);
      if (IAM_WRITES.has(operation)) lastIamWriteAt = clock.now();
      return answer;
    } catch (raw) {
      if (raw instanceof WriteWithdrawn || raw instanceof WriteCheckFailed) throw raw;
      const error = translateOciError(operation, raw);
      if (error.status === 429) policy.onThrottled?.(kind, scope.retryAfterMs);
      else policy.onPassed?.(kind);
      const retryable = error.retryable || isEventualConsistency(error, clock.now()) || (options.retryAlso?.(error) ?? false);
      const backoff = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1 + throttledTries));
      // A throttled call waits at least what OCI asked for, plus a little jitter so that the calls it
      // throttled together do not come back together.
      const delay = scope.retryAfterMs !== undefined ? scope.retryAfterMs + Math.random() * BASE_DELAY_MS : backoff;
      const throttled = error.status === 429 && throttledTries < MAX_THROTTLED_TRIES;
      if (throttled) {
        throttledTries += 1;
        attempt -= 1;
      }
      if (!retryable || (!throttled && attempt >= policy.maxAttempts) || clock.now() + delay >= policy.deadline) {
        policy.log.warn('oci call failed', {
          operation,
          attempt,
          status: error.status,
          ociCode: error.ociCode,
          opcRequestId: error.opcRequestId,
        });
        throw error;
      }
      policy.log.debug('oci call retried', {
        operation,
        attempt,
        status: error.status,
        ociCode: error.ociCode,
        delayMs: Math.round(delay),
        retryAfterMs: scope.retryAfterMs,
      });
      await clock.sleep(delay);
    }
  }
}

/** Collects every page of an OCI list operation. */
export async function allPages<T>(
  fetchPage: (page: string | undefined) => Promise<{ items: T[]; opcNextPage?: string | undefined }>,
): Promise<T[]> {
  const items: T[] = [];
  let page: string | undefined;
  do {
    const response = await fetchPage(page);
    items.push(...response.items);
    page = response.opcNextPage;
  } while (page);
  return items;
}

/**
 * A create that treats "already exists" as done: a concurrent delivery may have won the race, so the
 * resource is read back and reported as not created by this call. Unless it carries this call's own
 * mark (`madeByThisCall`): then an earlier attempt of this very call wrote it and lost the answer, and it
 * is reported created, so that the report accounts for every write. (Where OCI honours the
 * `opc-retry-token`, the retried create itself answers as the first one did and needs no mark.)
 */
export async function createOrFind<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
  alreadyExists: (error: OciCallError) => boolean,
  madeByThisCall: (found: T) => boolean = () => false,
): Promise<{ record: T; created: boolean }> {
  try {
    return { record: await create(), created: true };
  } catch (error) {
    if (!(error instanceof OciCallError) || !alreadyExists(error)) throw error;
    const found = await find();
    if (found === undefined) throw error;
    return { record: found, created: madeByThisCall(found) };
  }
}

/** A delete that finds nothing to delete (404) is done: `removed` says whether this call did it. */
export async function deleted(remove: () => Promise<unknown>): Promise<{ removed: boolean }> {
  try {
    await remove();
    return { removed: true };
  } catch (error) {
    if (error instanceof OciCallError && error.status === 404) return { removed: false };
    throw error;
  }
}
