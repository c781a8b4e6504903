import { type Clock, systemClock } from '../support/clock';
import { OciCallError, OUT_OF_TIME } from '../support/errors';
import type { CallKind } from './call';
import { type ApiGroup, DOMAIN_RATE_LIMITS, type DomainType } from './domain-rate-limits';

/** Slack over the window's edge: the domain counts a call when it arrives, a little after it leaves here. */
const EDGE_MS = 25;
/**
 * Timestamps of the calls sent in the last `spanMs`, at most `limit` of them: a tenth of them at once,
 * the rest spaced `spanMs / limit` apart. Spaced, a minute's allowance is never spent in its first
 * seconds, leaving the calls behind it to wait most of a minute: no call waits much more than a tenth
 * of the window, so the rows a worker has in flight when its time is nearly up still finish before its
 * deadline, while a single hire's few calls go at once.
 */
class Window {
  readonly #sent: number[] = [];
  #head = 0;
  constructor(
    readonly limit: number,
    readonly spanMs: number,
  ) {}
  /** How long until one more call fits (0: now). */
  waitMs(now: number): number {
    while (this.#head < this.#sent.length && (this.#sent[this.#head] ?? 0) <= now - this.spanMs) this.#head += 1;
    if (this.#head > 1024) {
      this.#sent.splice(0, this.#head);
      this.#head = 0;
    }
    const inWindow = this.#sent.length - this.#head;
    const last = this.#sent.at(-1);
    // A tenth of the window goes at once (a single hire's few calls are not slowed); past it, calls are spaced.
    const spaced = last === undefined || inWindow < Math.max(1, Math.floor(this.limit / 10)) ? 0 : last + this.spanMs / this.limit - now;
    if (inWindow < this.limit) return Math.max(0, spaced);
    // The call that must leave the window before another fits.
    const oldest = this.#sent[this.#sent.length - this.limit] ?? now;
    return Math.max(spaced, oldest + this.spanMs - now + EDGE_MS);
  }
  record(now: number): void {
    this.#sent.push(now);
  }
}

/**
 * One invocation's share of a window: `limit` calls per `spanMs` times `share`, rounded down to whole
 * calls over the same span, so that pacers that do not see each other stay within the window together
 * however their calls fall (a quarter of 5 a second is 1 a second: four pacers, 4 in any second). Below
 * one call, one call over a longer span: then only the domain's 429s keep the sum in bounds.
 */
export function sharedWindow(limit: number, spanMs: number, share: number): { limit: number; spanMs: number } {
  const calls = limit * share;
  return calls >= 1 ? { limit: Math.floor(calls), spanMs } : { limit: 1, spanMs: Math.ceil(spanMs / calls) };
}

/**
 * Paces calls to an identity domain by what the domain publishes for its type ("API Rate Limits",
 * docs.oracle.com/en-us/iaas/Content/Identity/sku/api-rate-limiting.htm): per API group, at most so many
 * calls a second and so many a minute. A call waits for room in both windows of its group; a 429 holds
 * the whole group until its `Retry-After` has passed (another client of the domain may be using the
 * windows too), and nothing else: no cut of the rate, since the windows, not a guess, say what the
 * domain accepts. Shared by the invocations of one container (a warm container keeps counting).
 *
 * The windows are the domain's, not a container's: when n workers of an upload run at once, each in its
 * own container with its own pacer, each keeps to 1/n of them (`turn`'s share). At full windows,
 * four workers sent four times what the domain takes, and its 429s starved some of them until their
 * calls ran out of attempts (a 3,000-row upload into a Free domain failed 100 rows that way).
 */
export class DomainPacer {
  /** Per group and share: calls of different shares (one call at a time in a container) count apart. */
  readonly #windows = new Map<string, readonly Window[]>();
  readonly #heldUntil = new Map<ApiGroup, number>();
  /** Calls sent and 429s seen, per group, for the log. */
  readonly counts = new Map<ApiGroup, { sent: number; throttled: number }>();
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(
    readonly type: DomainType,
    options: { readonly now?: () => number; readonly sleep?: (ms: number) => Promise<void> } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  #windowsOf(group: ApiGroup, share: number): readonly Window[] {
    const key = `${group}/${share}`;
    let windows = this.#windows.get(key);
    if (!windows) {
      const limit = DOMAIN_RATE_LIMITS[group][this.type];
      windows = [sharedWindow(limit.perSecond, 1000, share), sharedWindow(limit.perMinute, 60_000, share)].map(
        (w) => new Window(w.limit, w.spanMs),
      );
      this.#windows.set(key, windows);
    }
    return windows;
  }

  #count(group: ApiGroup) {
    let count = this.counts.get(group);
    if (!count) {
      count = { sent: 0, throttled: 0 };
      this.counts.set(group, count);
    }
    return count;
  }

  /**
   * Waits until a call of `group` fits both windows and no `Retry-After` holds the group, then counts it.
   * `share`: the part of the windows this invocation may use (1 / the workers of an upload running at once).
   */
  async turn(group: ApiGroup, share = 1, deadline = Number.POSITIVE_INFINITY): Promise<void> {
    const windows = this.#windowsOf(group, Math.min(1, Math.max(Number.EPSILON, share)));
    for (;;) {
      const now = this.#now();
      const held = (this.#heldUntil.get(group) ?? 0) - now;
      const wait = Math.max(held > 0 ? held + EDGE_MS : 0, ...windows.map((w) => w.waitMs(now)));
      // A turn after the deadline would keep the invocation past it (OCI Functions ends it there, its
      // queue message's visibility with it): the call fails now, before anything is sent.
      if (now + wait >= deadline)
        throw new OciCallError({
          operation: `${group} call`,
          status: undefined,
          ociCode: OUT_OF_TIME,
          message: `the domain's windows have no room for it before the invocation's deadline (${Math.ceil(wait / 1000)} s away)`,
          opcRequestId: undefined,
          retryable: false,
        });
      if (wait <= 0) {
        for (const window of windows) window.record(now);
        this.#count(group).sent += 1;
        return;
      }
      await this.#sleep(wait);
    }
  }

  /** The domain answered 429: nobody calls `group` again before its `Retry-After` (1 s when absent). */
  throttled(group: ApiGroup, retryAfterMs: number | undefined): void {
    this.#count(group).throttled += 1;
    const until = this.#now() + (retryAfterMs ?? 1000);
    this.#heldUntil.set(group, Math.max(this.#heldUntil.get(group) ?? 0, until));
  }
}

/** Calls that must have gone through in the last second before a 429 is read as the tenancy's rate. */
const MIN_RATE_EVIDENCE = 4;

/** One rate: unpaced until OCI throttles, then paced, cut on throttling and grown as calls pass. */
class Pace {
  #pace: number | undefined;
  #next = 0;
  #lastCut = Number.NEGATIVE_INFINITY;
  readonly #recent: number[] = [];
  constructor(
    private readonly cooldownMs: number,
    private readonly clock: Clock,
  ) {}
  get value(): number | undefined {
    return this.#pace;
  }
  async turn(now: number): Promise<void> {
    if (this.#pace === undefined) return;
    const at = Math.max(now, this.#next);
    this.#next = at + 1000 / this.#pace;
    if (at > now) await this.clock.sleep(at - now);
  }
  passed(now: number): void {
    this.#recent.push(now);
    while ((this.#recent[0] ?? now) < now - 1000) this.#recent.shift();
    if (this.#pace !== undefined) this.#pace += 0.5 / this.#pace;
  }
  /** Answers whether this throttled answer cut the pace (one cut per cooldown). */
  throttled(now: number): boolean {
    if (now - this.#lastCut < this.cooldownMs) return false;
    this.#lastCut = now;
    const accepted = this.#recent.filter((t) => t >= now - 1000).length;
    // Too few calls went through to tell a rate (one hire, a stray 429): Retry-After and the
    // concurrency cut are the whole answer.
    if (this.#pace === undefined && accepted < MIN_RATE_EVIDENCE) return true;
    this.#pace = Math.max(1, (this.#pace ?? accepted) * 0.75);
    return true;
  }
}

/**
 * Paces calls to classic IAM, whose rate Oracle does not publish, settling near what the tenancy accepts
 * instead of oscillating. Until OCI first throttles, nothing is paced. A throttled answer (429) sets a pace
 * for that kind of call (writes, reads) of three quarters of the calls OCI let through in the last second
 * (what it accepts, not what was tried), and cuts it again by a quarter at most once per `cooldownMs` (the
 * calls in flight when OCI started throttling all come back throttled: one signal, not many); every call
 * that goes through adds 0.5/pace to it (half a call a second more, per second), as TCP grows its window.
 * Failures other than throttling change nothing: an outage of one operation says nothing about the rate.
 */
export class ClassicPacer {
  readonly #paces: Record<CallKind, Pace>;
  readonly #clock: Clock;

  /** `clock`: the time turns are spaced in (the invocation's; the system clock by default). */
  constructor(cooldownMs = 1000, clock: Clock = systemClock) {
    this.#clock = clock;
    this.#paces = { write: new Pace(cooldownMs, clock), read: new Pace(cooldownMs, clock) };
  }
  /** Calls per second of a kind once OCI has throttled it; undefined before. */
  pace(kind: CallKind): number | undefined {
    return this.#paces[kind].value;
  }
  /** Waits for a call's turn under its pace (at once while unpaced). */
  turn(kind: CallKind, now = this.#clock.now()): Promise<void> {
    return this.#paces[kind].turn(now);
  }
  /** A call went through. */
  passed(kind: CallKind, now = this.#clock.now()): void {
    this.#paces[kind].passed(now);
  }
  /** A throttled answer; true when it was read as a new signal (then the batch runs fewer hires at once too). */
  throttled(kind: CallKind, now = this.#clock.now()): boolean {
    return this.#paces[kind].throttled(now);
  }
}
