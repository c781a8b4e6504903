export type Outcome = 'ok' | 'error' | 'fault' | 'dropped' | 'unauthenticated' | 'throttled' | 'denied';

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
}

/** Every request the local OCI answered, for tests and benchmarks to count. */
export class RequestLog {
  readonly #entries: LoggedRequest[] = [];

  add(entry: LoggedRequest): void {
    this.#entries.push(entry);
  }

  /** Entries since `mark()` returned `from` (all when absent). */
  entries(from = 0): readonly LoggedRequest[] {
    return this.#entries.slice(from);
  }

  /** A position to count from: `const m = log.mark(); …; log.entries(m)`. */
  mark(): number {
    return this.#entries.length;
  }

  /** Counts per operation and outcome, e.g. `{ CreateUser: { ok: 1 } }`. */
  counts(from = 0): Record<string, Partial<Record<Outcome, number>>> {
    const counts: Record<string, Partial<Record<Outcome, number>>> = {};
    for (const entry of this.entries(from)) {
      const perOutcome = counts[entry.operation] ?? {};
      perOutcome[entry.outcome] = (perOutcome[entry.outcome] ?? 0) + 1;
      counts[entry.operation] = perOutcome;
    }
    return counts;
  }

  /** Successful IAM writes since `from`: what "a replay writes nothing" is checked against. */
  iamWrites(from = 0): readonly LoggedRequest[] {
    return this.entries(from).filter((entry) => entry.iamWrite && entry.outcome === 'ok' && !entry.replayed);
  }
}
