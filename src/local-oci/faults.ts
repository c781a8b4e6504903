/** One fault rule; rules apply in order and the first that fires decides. */
export interface FaultRule {
  /** Operation names (e.g. `CreatePolicy`); all operations when absent. */
  readonly operations?: readonly string[];
  /** Only requests whose path (URL-decoded, e.g. `/n/ns/b/bucket/o/name`) this matches; all paths when absent. */
  readonly path?: RegExp;
  /** Added before the request is handled, whatever the outcome (with `count`: only the first so many). */
  readonly latencyMs?: number;
  /** Answer with this status instead of handling the request (412: another writer changed the resource first). */
  readonly status?: 412 | 429 | 500 | 503;
  /** Close the connection without an answer. */
  readonly drop?: boolean;
  /** Do the request (the write happens), then close the connection instead of answering: a lost answer. */
  readonly dropAfterWrite?: boolean;
  /** Share of matching requests that fail (0..1); 1 when absent. */
  readonly rate?: number;
  /** Fail only this many matching requests, then stop firing. */
  readonly count?: number;
}

export type FaultDecision = { kind: 'none' } | { kind: 'status'; status: number } | { kind: 'drop' } | { kind: 'drop-after-write' };

const codeForStatus: Record<number, string> = {
  // The code OCI's API Errors page gives for an `if-match` that names another version.
  412: 'NoEtagMatch',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};
export const faultCode = (status: number) => codeForStatus[status] ?? 'InternalServerError';

/** A small deterministic PRNG (mulberry32) so fault runs repeat exactly for a given seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fault injection, set at start or changed while running. */
export class Faults {
  #rules: { rule: FaultRule; fired: number }[] = [];
  #random: () => number;

  constructor(rules: readonly FaultRule[] = [], seed = 1) {
    this.#random = seeded(seed);
    this.set(rules);
  }

  set(rules: readonly FaultRule[]): void {
    this.#rules = rules.map((rule) => ({ rule, fired: 0 }));
  }

  clear(): void {
    this.#rules = [];
  }

  latencyFor(operation: string, path = ''): number {
    let sum = 0;
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (!matches(rule, operation, path) || !rule.latencyMs) continue;
      // A rule that only delays counts its firings here; one that also fails counts them in decide().
      const delayOnly = rule.status === undefined && !rule.drop && !rule.dropAfterWrite;
      if (rule.count !== undefined && delayOnly) {
        if (entry.fired >= rule.count) continue;
        entry.fired += 1;
      }
      sum += rule.latencyMs;
    }
    return sum;
  }

  /**
   * The fault for one request, or none. `statusOnly`: an operation inside a SCIM Bulk request, which can
   * be answered a status of its own but has no connection of its own to drop (its request's rules, under
   * the operation `Bulk`, do that): rules that drop are passed over, and do not count a firing.
   */
  decide(operation: string, path = '', options: { statusOnly?: boolean } = {}): FaultDecision {
    for (const entry of this.#rules) {
      const { rule } = entry;
      if (!matches(rule, operation, path) || (rule.status === undefined && !rule.drop && !rule.dropAfterWrite)) continue;
      if (options.statusOnly && (rule.drop || rule.dropAfterWrite)) continue;
      if (rule.count !== undefined && entry.fired >= rule.count) continue;
      if (this.#random() >= (rule.rate ?? 1)) continue;
      entry.fired += 1;
      if (rule.dropAfterWrite) return { kind: 'drop-after-write' };
      return rule.drop ? { kind: 'drop' } : { kind: 'status', status: rule.status ?? 500 };
    }
    return { kind: 'none' };
  }
}

function matches(rule: FaultRule, operation: string, path: string): boolean {
  return (rule.operations === undefined || rule.operations.includes(operation)) && (rule.path === undefined || rule.path.test(path));
}
