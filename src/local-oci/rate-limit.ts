/**
 * OCI throttles IAM per tenancy: past its rate, calls answer `429 TooManyRequests` with a
 * `Retry-After` header (Oracle's API errors page lists 429 TooManyRequests; the SDKs' retriers and
 * the HTTP spec, RFC 9110 section 10.2.3, give Retry-After in whole seconds). The exact rates are not
 * published; a token bucket per kind of call (writes, reads) is how the local OCI models them.
 */
export interface IamRateLimits {
  /** IAM writes (creates, updates, memberships, deletes) per second, tenancy-wide; unlimited when absent. */
  readonly writesPerSecond?: number;
  /** IAM reads (gets and lists) per second, tenancy-wide; unlimited when absent. */
  readonly readsPerSecond?: number;
  /** How many calls may come at once after a quiet spell; default one second's worth. */
  readonly burstSeconds?: number;
}

/** A token bucket: `rate` tokens a second, holding at most `rate × burstSeconds`. */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #capacity: number;

  constructor(
    readonly rate: number,
    burstSeconds = 1,
    now = Date.now(),
  ) {
    this.#capacity = Math.max(1, rate * burstSeconds);
    this.#tokens = this.#capacity;
    this.#at = now;
  }

  /** Takes one token, or says in how many milliseconds the next one comes. */
  take(now = Date.now()): { ok: true } | { ok: false; retryAfterMs: number } {
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.#tokens) / this.rate) * 1000) };
  }
}

/** The tenancy's IAM rate: one bucket for writes, one for reads; changeable while running. */
export class IamRate {
  #writes: TokenBucket | undefined;
  #reads: TokenBucket | undefined;
  /** Calls answered 429 because of the rate, per kind. */
  readonly throttled = { writes: 0, reads: 0 };

  constructor(limits: IamRateLimits = {}) {
    this.set(limits);
  }

  set(limits: IamRateLimits): void {
    this.#writes = limits.writesPerSecond ? new TokenBucket(limits.writesPerSecond, limits.burstSeconds) : undefined;
    this.#reads = limits.readsPerSecond ? new TokenBucket(limits.readsPerSecond, limits.burstSeconds) : undefined;
  }

  /** Undefined when the call may go ahead; otherwise the seconds to put in `Retry-After`. */
  check(write: boolean, now = Date.now()): number | undefined {
    const bucket = write ? this.#writes : this.#reads;
    const taken = bucket?.take(now);
    if (!taken || taken.ok) return undefined;
    if (write) this.throttled.writes += 1;
    else this.throttled.reads += 1;
    return Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
  }
}
