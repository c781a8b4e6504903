import { API_GROUPS, type ApiGroup, apiGroupOf, DOMAIN_RATE_LIMITS, type DomainType } from './domain-rate-limits';

/**
 * Classic IAM: OCI throttles IAM per tenancy: past its rate, calls answer `429 TooManyRequests` with a
 * `Retry-After` header (Oracle's API errors page lists 429 TooManyRequests; the SDKs' retriers and
 * the HTTP spec, RFC 9110 section 10.2.3, give Retry-After in whole seconds). Oracle publishes no rate
 * for the classic IAM API; a configurable token bucket per kind of call (writes, reads) is how the
 * local OCI models it. Identity domains have published limits: see `DomainRate`.
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

/** A sliding window: at most `limit` calls in any `windowMs`. */
export class SlidingWindow {
  #times: number[] = [];
  #head = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Milliseconds until one more call fits (0: it fits now). */
  waitMs(now: number): number {
    while (this.#head < this.#times.length && (this.#times[this.#head] ?? 0) <= now - this.windowMs) this.#head += 1;
    if (this.#head > 1024) {
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
    if (this.#times.length - this.#head < this.limit) return 0;
    // The call `limit` places back leaves the window first among those that must leave.
    const leaving = this.#times[this.#times.length - this.limit] ?? now;
    return leaving + this.windowMs - now;
  }

  record(now: number): void {
    this.#times.push(now);
  }
}

/** Per API group: calls answered (let through) and throttled (429) by the domain's rate. */
export type GroupCounts = Record<ApiGroup, { answered: number; throttled: number }>;

/**
 * An identity domain's rate, as Oracle publishes it for the domain's type (see domain-rate-limits.ts):
 * per API group, a per-second and a per-minute window, both enforced. `enforce: false` only counts.
 */
export class DomainRate {
  #type: DomainType = 'free';
  #enforce = true;
  #windows = new Map<ApiGroup, readonly SlidingWindow[]>();
  readonly counts: GroupCounts = Object.fromEntries(API_GROUPS.map((g) => [g, { answered: 0, throttled: 0 }])) as GroupCounts;

  constructor(options: { type?: DomainType; enforce?: boolean } = {}) {
    this.set(options);
  }

  get type(): DomainType {
    return this.#type;
  }

  /** Changes the domain's type (its windows start empty) or whether the limits are enforced. */
  set(options: { type?: DomainType; enforce?: boolean }): void {
    this.#type = options.type ?? this.#type;
    this.#enforce = options.enforce ?? this.#enforce;
    this.#windows = new Map(
      API_GROUPS.map((group) => {
        const limit = DOMAIN_RATE_LIMITS[group][this.#type];
        return [group, [new SlidingWindow(limit.perSecond, 1000), new SlidingWindow(limit.perMinute, 60_000)]];
      }),
    );
  }

  /**
   * Counts one call of `operation` at `now`. Undefined when it may go ahead; otherwise the whole
   * seconds until both of its group's windows have room again, for `Retry-After` (RFC 9110 10.2.3).
   */
  check(operation: string, now: number): number | undefined {
    const group = apiGroupOf(operation);
    const windows = this.#windows.get(group) ?? [];
    const waitMs = this.#enforce ? Math.max(0, ...windows.map((w) => w.waitMs(now))) : 0;
    if (waitMs > 0) {
      this.counts[group].throttled += 1;
      return Math.max(1, Math.ceil(waitMs / 1000));
    }
    for (const window of windows) window.record(now);
    this.counts[group].answered += 1;
    return undefined;
  }
}
