import { type ErrorReport, OnboardingError, type Problem, toErrorReport } from '../support/errors';
import { parseNewHire } from './new-hire';
import { desiredFor, ensureShared, type OnboardingContext, onboardUser } from './onboard';
import { policyKey } from './plan';
import { Outcome, type StepResult } from './result';
import type { DesiredState } from './role-catalog';

/** One hire of a batch, not yet validated, with where it came from (a line of a file, an index of an array). */
export interface BatchRow {
  readonly line: number;
  readonly input: unknown;
}

export const RowStatus = { Succeeded: 'succeeded', Failed: 'failed', Rejected: 'rejected', DryRun: 'dry-run' } as const;
export type RowStatus = (typeof RowStatus)[keyof typeof RowStatus];

/** What happened to one row. */
export interface RowResult {
  readonly line: number;
  readonly status: RowStatus;
  readonly employeeId?: string;
  readonly userName?: string;
  readonly userId?: string;
  readonly steps: readonly StepResult[];
  readonly errors: readonly ErrorReport[];
}

export interface BatchOutcome {
  /** Groups and policies, ensured once for the whole batch. */
  readonly shared: readonly StepResult[];
  readonly rows: readonly RowResult[];
  /** Lines not started because the deadline came near; a re-run does them. */
  readonly notStarted: readonly number[];
}

export interface BatchOptions {
  /** How many hires may run at once (its maximum is the configured concurrency). */
  readonly throttle: BatchThrottle;
  /** Whether another hire can start and finish, given the average time of one so far. */
  readonly canStartAnother: (averageRowMs: number) => boolean;
}

/**
 * Halves the hires in flight when OCI throttles, and lets one more in after each hire that completes
 * (additive increase, multiplicative decrease), so throttling slows the batch instead of failing rows.
 */
export class BatchThrottle {
  #limit: number;
  constructor(private readonly max: number) {
    this.#limit = max;
  }
  get limit(): number {
    return this.#limit;
  }
  throttled(): void {
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
  }
  completed(): void {
    this.#limit = Math.min(this.max, this.#limit + 1);
  }
}

const rejected = (line: number, input: unknown, problems: readonly Problem[], error: ErrorReport): RowResult => {
  const named = (typeof input === 'object' && input !== null ? input : {}) as { employeeId?: unknown; userName?: unknown };
  return {
    line,
    status: RowStatus.Rejected,
    ...(typeof named.employeeId === 'string' ? { employeeId: named.employeeId } : {}),
    ...(typeof named.userName === 'string' ? { userName: named.userName } : {}),
    steps: [],
    errors: [{ ...error, ...(problems.length > 0 ? { problems } : {}) }],
  };
};

/** A row failed only for reasons that may pass on a second try (throttling, server errors, no answer). */
function onlyTransient(row: RowResult): boolean {
  const failures = [...row.steps.filter((s) => s.outcome === Outcome.Failed).map((s) => s.error), ...row.errors];
  return (
    failures.length > 0 &&
    failures.every((e) => e !== undefined && (e.status === undefined ? e.ociCode === 'NetworkError' : e.status === 429 || e.status >= 500))
  );
}

/**
 * Onboards many hires: every row is validated on its own (bad rows are reported, good rows go ahead),
 * each role's groups and policies are ensured once, then the hires run with bounded concurrency.
 */
export async function onboardBatch(rows: readonly BatchRow[], context: OnboardingContext, options: BatchOptions): Promise<BatchOutcome> {
  const results = new Map<number, RowResult>();
  const valid: { line: number; desired: DesiredState }[] = [];
  for (const { line, input } of rows) {
    try {
      valid.push({ line, desired: desiredFor(parseNewHire(input), context) });
    } catch (error) {
      if (!(error instanceof OnboardingError) || !error.exposed) throw error;
      results.set(line, rejected(line, input, error.problems, toErrorReport(error)));
    }
  }

  // The union of what the hires' roles need, each group and policy once.
  const groups = new Map(valid.flatMap(({ desired }) => desired.groups.map((g) => [g.name.toLowerCase(), g] as const)));
  const policies = new Map(valid.flatMap(({ desired }) => desired.policies.map((p) => [policyKey(p.compartmentId, p.name), p] as const)));
  const shared = ensureShared({ groups: [...groups.values()], policies: [...policies.values()] }, context);

  const queue = [...valid];
  const retried = new Set<number>();
  const notStarted: number[] = [];
  let finished = 0;
  let totalMs = 0;
  let inFlight = 0;

  const runOne = async (item: { line: number; desired: DesiredState }): Promise<void> => {
    const started = Date.now();
    const { desired } = item;
    const identity = { line: item.line, employeeId: desired.user.employeeId, userName: desired.user.name };
    let result: RowResult;
    try {
      const { steps, userId } = await onboardUser(desired, shared, context);
      const failed = steps.some((s) => s.outcome === Outcome.Failed || (s.outcome === Outcome.Skipped && s.reason?.startsWith('skipped:')));
      const status = context.dryRun ? RowStatus.DryRun : failed ? RowStatus.Failed : RowStatus.Succeeded;
      result = { ...identity, status, ...(userId ? { userId } : {}), steps, errors: [] };
    } catch (error) {
      result = { ...identity, status: RowStatus.Failed, steps: [], errors: [toErrorReport(error)] };
    }
    totalMs += Date.now() - started;
    finished += 1;
    if (result.status === RowStatus.Failed && onlyTransient(result) && !retried.has(item.line)) {
      // Throttled or a passing server error: try the row once more, at the end of the queue.
      retried.add(item.line);
      queue.push(item);
      options.throttle.throttled();
      return;
    }
    if (result.status !== RowStatus.Failed) options.throttle.completed();
    results.set(item.line, result);
  };

  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < options.throttle.limit && queue.length > 0) {
        if (!options.canStartAnother(finished > 0 ? totalMs / finished : 0)) {
          notStarted.push(...queue.splice(0).map((q) => q.line));
          break;
        }
        const item = queue.shift() as { line: number; desired: DesiredState };
        inFlight += 1;
        runOne(item).finally(() => {
          inFlight -= 1;
          pump();
        });
      }
      if (inFlight === 0 && queue.length === 0) resolve();
    };
    pump();
  });

  // Rows are never thrown away: if the shared phase itself failed, it is reported as a failed step.
  const steps = await shared.done.then(
    (done) => done.steps,
    (error: unknown): StepResult[] => [
      {
        step: 'group',
        target: '(groups and policies of the batch)',
        action: 'none',
        outcome: Outcome.Failed,
        reason: 'the look-ups failed',
        error: toErrorReport(error),
      },
    ],
  );
  return { shared: steps, rows: [...results.values()].sort((a, b) => a.line - b.line), notStarted: notStarted.sort((a, b) => a - b) };
}
