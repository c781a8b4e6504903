export type Outcome = 'ok' | 'error' | 'fault' | 'dropped' | 'unauthenticated' | 'throttled' | 'denied';

/** One operation of a SCIM Bulk request, as the local OCI ran it inside that request. */
export interface LoggedOperation {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly outcome: Outcome;
  readonly iamWrite: boolean;
  /** IAM changes it made when not one: a group patch adding or removing several members makes one per member. */
  readonly writes?: number;
  /** The operation's data as text (up to 64 KB). */
  readonly body: string;
}

export interface LoggedRequest {
  readonly service: string;
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly region: string;
  readonly status: number;
  readonly outcome: Outcome;
  readonly iamWrite: boolean;
  readonly at: number;
  /** The request body as text (up to 64 KB), so tests can see exactly what was sent where. */
  readonly body: string;
  /** The request was carried out but its answer was never sent (fault `dropAfterWrite`). */
  readonly answerLost?: boolean;
  /** A retried create answered from its `opc-retry-token`: the first answer again, nothing written. */
  readonly replayed?: boolean;
  /** IAM changes it made when not one: a group patch adding or removing several members makes one per member. */
  readonly writes?: number;
  /** A SCIM Bulk request: the operations it ran, in order (one call for the rate, many for what it writes). */
  readonly operations?: readonly LoggedOperation[];
  /** Set on what `iamWrites()` derives from an operation of a Bulk request: the request that carried it. */
  readonly within?: 'Bulk';
}

/** The request as it counts per operation: itself, and each operation a Bulk request ran, under its own name. */
const unfold = (entry: LoggedRequest): LoggedRequest[] => [
  entry,
  ...(entry.operations ?? []).map(
    (op): LoggedRequest => ({
      ...entry,
      ...op,
      writes: op.writes,
      operations: undefined,
      within: 'Bulk',
    }),
  ),
];

/**
 * What a request log keeps: `entries`, every request with its body (what tests read), or `tally`, only
 * counts per service, operation and outcome, for runs of hundreds of thousands of calls whose entries
 * would fill the local OCI's heap (a 100,000-row upload makes about 300,000 calls).
 */
export type RequestLogKeeps = 'entries' | 'tally';

/** How many HTTP requests of one kind the local OCI answered. */
export interface CallTally {
  readonly service: string;
  readonly operation: string;
  readonly outcome: Outcome;
  readonly iamWrite: boolean;
  readonly calls: number;
}

/**
 * Every request the local OCI answered, for tests and benchmarks to count. An entry is one HTTP request
 * (a call, as the rate counts it); a SCIM Bulk request carries the operations it ran, which `counts()`
 * and `iamWrites()` count under their own operation names.
 */
export class RequestLog {
  readonly #entries: LoggedRequest[] = [];
  readonly #tally = new Map<string, { -readonly [K in keyof CallTally]: CallTally[K] }>();
  readonly #keep: RequestLogKeeps;

  constructor(keep: RequestLogKeeps = 'entries') {
    this.#keep = keep;
  }

  add(entry: LoggedRequest): void {
    const key = `${entry.service} ${entry.operation} ${entry.outcome} ${entry.iamWrite}`;
    const seen = this.#tally.get(key);
    if (seen) seen.calls += 1;
    else
      this.#tally.set(key, {
        service: entry.service,
        operation: entry.operation,
        outcome: entry.outcome,
        iamWrite: entry.iamWrite,
        calls: 1,
      });
    if (this.#keep === 'entries') this.#entries.push(entry);
  }

  /**
   * HTTP requests counted by service, operation, outcome and whether the operation writes IAM: kept
   * whatever the log keeps. (A SCIM Bulk request is one `Bulk` call here: its operations are not unfolded.)
   */
  tally(): readonly CallTally[] {
    return [...this.#tally.values()].map((row) => ({ ...row }));
  }

  /** Entries since `mark()` returned `from` (all when absent). */
  entries(from = 0): readonly LoggedRequest[] {
    if (this.#keep !== 'entries')
      throw new Error("this request log keeps only its tally (requestLog: 'tally'): read tally(), or keep entries");
    return this.#entries.slice(from);
  }

  /** A position to count from: `const m = log.mark(); …; log.entries(m)`. */
  mark(): number {
    return this.#entries.length;
  }

  /**
   * Counts per operation and outcome, e.g. `{ CreateUser: { ok: 1 } }`: every call, and every operation
   * a Bulk request ran under its own name (a PatchGroup inside a Bulk request is a PatchGroup too).
   */
  counts(from = 0): Record<string, Partial<Record<Outcome, number>>> {
    const counts: Record<string, Partial<Record<Outcome, number>>> = {};
    for (const entry of this.entries(from).flatMap(unfold)) {
      const perOutcome = counts[entry.operation] ?? {};
      perOutcome[entry.outcome] = (perOutcome[entry.outcome] ?? 0) + 1;
      counts[entry.operation] = perOutcome;
    }
    return counts;
  }

  /**
   * The IAM writes since `from`, one entry per change OCI made: what "a replay writes nothing" and "the
   * reports name every write" are checked against. A Bulk request is no write of its own: each of its
   * operations that was applied is (`within: 'Bulk'`). A call that changed several things (a group patch
   * adding three members) is as many entries. A create answered from its retry token wrote nothing.
   */
  iamWrites(from = 0): readonly LoggedRequest[] {
    const applied = (e: LoggedRequest) => e.iamWrite && e.outcome === 'ok' && !e.replayed;
    return this.entries(from)
      .filter(applied)
      .flatMap((entry) => (entry.operations ? unfold(entry).slice(1).filter(applied) : [entry]))
      .flatMap((entry) => Array.from({ length: entry.writes ?? 1 }, () => entry));
  }
}
