import { OciCallError } from '../support/errors';
import type { Logger } from '../support/logger';

/** How one invocation calls OCI: until when, and how many attempts per call. */
export interface CallPolicy {
  /** Epoch milliseconds after which no attempt starts. */
  readonly deadline: number;
  readonly maxAttempts: number;
  readonly log: Logger;
  /** Told of every throttled answer (429), so a batch can slow down. */
  readonly onThrottled?: () => void;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
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
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await send();
    } catch (raw) {
      const error = translateOciError(operation, raw);
      if (error.status === 429) policy.onThrottled?.();
      const retryable = error.retryable || (options.retryAlso?.(error) ?? false);
      const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
      if (!retryable || attempt >= policy.maxAttempts || Date.now() + delay >= policy.deadline) {
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
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
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
 * resource is read back and reported as not created by this call.
 */
export async function createOrFind<T>(
  create: () => Promise<T>,
  find: () => Promise<T | undefined>,
  alreadyExists: (error: OciCallError) => boolean,
): Promise<{ record: T; created: boolean }> {
  try {
    return { record: await create(), created: true };
  } catch (error) {
    if (!(error instanceof OciCallError) || !alreadyExists(error)) throw error;
    const found = await find();
    if (found === undefined) throw error;
    return { record: found, created: false };
  }
}
