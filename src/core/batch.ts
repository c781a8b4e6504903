import { type ErrorReport, OnboardingError, OUT_OF_TIME, type Problem, toErrorReport } from '../support/errors';
import { parseNewHire } from './new-hire';
import { desiredFor, ensureShared, type GroupsOutcome, type OnboardingContext, onboardUser, type SharedPhase } from './onboard';
import { policyKey } from './plan';
import type { PersonKey } from './ports';
import { Outcome, type StepResult } from './result';
import type { DesiredState } from './role-catalog';
import { type RowStatus, Status } from './status';
import { isWritten, writesOf } from './writes';

/** One hire of a batch, not yet validated, with where it came from (a line of a file, an index of an array). */
export interface BatchRow {
  readonly line: number;
  readonly input: unknown;
}

/** What happened to one row. */
export interface RowResult {
  readonly line: number;
  readonly status: RowStatus;
  readonly employeeId?: string;
  readonly userName?: string;
  readonly userId?: string;
  readonly steps: readonly StepResult[];
  /**
   * The IAM writes earlier attempts of this row made (a row failing for passing reasons is tried
   * again, and its second try finds the first one's writes done), as the report names them.
   */
  readonly earlierWrites?: readonly string[];
  readonly errors: readonly ErrorReport[];
  /** A failed row whose failures may pass (throttling, server errors, a group not ensured yet): tried again later. */
  readonly retryable?: boolean;
}

export interface BatchOptions {
  /** How many hires may run at once. */
  readonly throttle: BatchThrottle;
  /** Whether another hire can start and finish, given the average time of one so far. */
  readonly canStartAnother: (averageRowMs: number) => boolean;
  /** Told of every row as it settles (awaited: a slow report slows the batch, memory stays bounded). */
  readonly onSettled: (row: RowResult) => void | Promise<void>;
  /** Shared groups and policies already ensured by this invocation (kept across chunks). */
  readonly shared?: SharedCache;
  /**
   * True where another invocation goes on with the rows this one leaves (an upload's next piece): a row
   * cut by the deadline after it wrote is left to it, with its writes in `cut`. Otherwise such a row
   * settles failed (passing), naming its writes, since nothing else will report them.
   */
  readonly resumable?: boolean;
}

export interface BatchRun {
  /** Groups and policies, each as last ensured. */
  readonly shared: readonly StepResult[];
  /** True when the deadline stopped the batch before every row was started. */
  readonly stopped: boolean;
  /** Rows pulled from the source but not started (the deadline came); the rest of the source was not read. */
  readonly notStarted: readonly number[];
  /**
   * Rows among `notStarted` that were started but cut by the deadline after they wrote: what they wrote,
   * by line, for the report line of the try that finishes them.
   */
  readonly cut: ReadonlyMap<number, { readonly writes: readonly string[]; readonly userId?: string }>;
}

/** Whether a row failed only because its invocation ran out of time for a call (nothing was sent). */
const isOutOfTime = (row: Pick<RowResult, 'steps' | 'errors'>) =>
  [...row.steps.map((s) => s.error), ...row.errors].some((e) => e?.ociCode === OUT_OF_TIME) && isRetryable(row);

/**
 * How many hires a batch runs at once. Until OCI first throttles, `max`. The pacing of calls (timers)
 * is the adapters' (src/oci/pacing.ts): when it reads a throttled answer as the tenancy's rate and slows
 * down, it tells this too (`throttled`), and a quarter fewer hires run at once; every `limit` hires that
 * complete add one back, up to `max`. Failures other than throttling change nothing.
 */
export class BatchThrottle {
  #limit: number;
  #successes = 0;
  /** How many times the concurrency was cut, for the log. */
  cuts = 0;

  constructor(private readonly max: number) {
    this.#limit = max;
  }
  get limit(): number {
    return Math.max(1, Math.floor(this.#limit));
  }
  /** OCI throttled, and the pacing took it as the tenancy's rate: fewer hires at once. */
  throttled(): void {
    this.cuts += 1;
    this.#limit = Math.max(1, this.#limit * 0.75);
    this.#successes = 0;
  }
  /** A hire completed. */
  completed(): void {
    this.#successes += 1;
    if (this.#successes >= this.limit) {
      this.#successes = 0;
      this.#limit = Math.min(this.max, this.#limit + 1);
    }
  }
}

/** A refused row's names as given, for its report line: a lone surrogate shown as U+FFFD, as any UTF-8 writer would. */
const named = (input: unknown) => {
  const n = (typeof input === 'object' && input !== null ? input : {}) as { employeeId?: unknown; userName?: unknown };
  const shown = (text: string, max: number) => text.slice(0, max).replace(/\p{Cs}/gu, '\uFFFD');
  return {
    ...(typeof n.employeeId === 'string' ? { employeeId: shown(n.employeeId, 100) } : {}),
    ...(typeof n.userName === 'string' ? { userName: shown(n.userName, 200) } : {}),
  };
};

/**
 * The people rows name, as given (a row not valid yet may name nobody): what a directory is told to
 * expect before their look-ups (IdentityDirectory.expectPeople).
 */
export function peopleOf(inputs: Iterable<unknown>): PersonKey[] {
  const people: PersonKey[] = [];
  for (const input of inputs) {
    const { employeeId, userName } = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    if (typeof employeeId === 'string') people.push({ employeeId, ...(typeof userName === 'string' ? { userName } : {}) });
  }
  return people;
}

const rejected = (line: number, input: unknown, problems: readonly Problem[], error: ErrorReport): RowResult => ({
  line,
  status: Status.Rejected,
  ...named(input),
  steps: [],
  errors: [{ ...error, ...(problems.length > 0 ? { problems } : {}) }],
});

/** An error that may pass on a second try: throttling, a server error, no answer. */
export function isTransient(error: ErrorReport | undefined): boolean {
  if (!error) return false;
  // No answer, or a call refused before it was sent because the invocation ran out of time: both may pass.
  return error.status === undefined
    ? error.ociCode === 'NetworkError' || error.ociCode === OUT_OF_TIME
    : error.status === 429 || error.status >= 500;
}

/** Whether a failed row may succeed later: every failure passing, or a step skipped for a shared step that failed. */
export function isRetryable(row: Pick<RowResult, 'steps' | 'errors'>): boolean {
  const failed = row.steps.filter((s) => s.outcome === Outcome.Failed).map((s) => s.error);
  const skippedForShared = row.steps.some((s) => s.outcome === Outcome.Skipped && s.reason === 'skipped: the group step did not complete');
  const failures = [...failed, ...row.errors];
  if (failures.length === 0) return skippedForShared;
  return failures.every(isTransient);
}

/**
 * Each role's group and policies, ensured once per invocation and shared by every row that needs
 * them; one whose look-up or write failed is forgotten, so the next row that needs it tries again
 * (and rows that do not need it never wait for it).
 */
export class SharedCache {
  readonly #phases = new Map<string, SharedPhase>();
  readonly #steps = new Map<string, readonly StepResult[]>();

  constructor(private readonly context: OnboardingContext) {}

  /** The shared phase one hire needs: its groups and their policies. */
  for(desired: DesiredState): SharedPhase {
    const phases = desired.groups.map((group) => {
      const policies = desired.policies.filter((p) => p.groupName.toLowerCase() === group.name.toLowerCase());
      const key = [group.name.toLowerCase(), ...policies.map((p) => policyKey(p.compartmentId, p.name)).sort()].join('|');
      let phase = this.#phases.get(key);
      if (!phase) {
        const started = ensureShared({ groups: [group], policies }, this.context);
        phase = started;
        this.#phases.set(key, started);
        started.done.then(
          ({ steps }) => {
            this.#steps.set(key, [...this.#written(key), ...steps]);
            if (steps.some((s) => s.outcome === Outcome.Failed || s.outcome === Outcome.Skipped)) this.#phases.delete(key);
          },
          (error: unknown) => {
            this.#phases.delete(key);
            this.#steps.set(key, [
              ...this.#written(key),
              {
                step: 'group',
                target: group.name,
                action: 'none',
                outcome: Outcome.Failed,
                reason: 'the look-ups failed; tried again by the next hire that needs this group',
                error: toErrorReport(error),
              },
            ]);
          },
        );
      }
      return phase;
    });
    const groups = Promise.all(phases.map((p) => p.groups)).then(
      (outcomes): GroupsOutcome => ({
        groups: new Map(outcomes.flatMap((o) => [...o.groups])),
        failedGroups: new Set(outcomes.flatMap((o) => [...o.failedGroups])),
      }),
    );
    groups.catch(() => undefined);
    const done = Promise.all(phases.map((p) => p.done)).then((all) => ({ steps: all.flatMap((d) => d.steps) }));
    done.catch(() => undefined);
    return { groups, done };
  }

  /** The writes of earlier tries of a phase: a phase tried again finds them done, and they stay reported. */
  #written(key: string): StepResult[] {
    return (this.#steps.get(key) ?? []).filter(isWritten);
  }

  /** Waits for the groups and policies being ensured (policies are not awaited by the hires). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#phases.values()].map((p) => p.done));
  }

  /** Every group and policy step, as last ensured, and every write of an earlier try. */
  steps(): StepResult[] {
    return [...this.#steps.values()].flat();
  }

  /** Whether every shared step ensured so far ended well. */
  get healthy(): boolean {
    return this.steps().every((s) => s.outcome !== Outcome.Failed);
  }
}

/** A row about to be tried: validated, with what earlier tries of it wrote. */
interface Attempt {
  readonly line: number;
  readonly input: unknown;
  readonly desired: DesiredState;
  readonly userId?: string;
  readonly earlierWrites?: readonly string[];
  /** The result of the try that failed, for a row waiting to be tried again. */
  readonly failed?: RowResult;
}

/**
 * Onboards hires as they come from a source (a file being read, an array): each row is validated on
 * its own (bad rows are reported, good rows go ahead), groups and policies are ensured once for all
 * the rows that need them, at most `throttle.limit` hires run at once, and each result goes to
 * `onSettled` as soon as it is known: nothing here grows with the number of rows. A row that failed
 * for passing reasons is tried once more at the end; if it fails again it settles `retryable`.
 */
export async function onboardRows(
  source: AsyncIterable<BatchRow> | Iterable<BatchRow>,
  context: OnboardingContext,
  options: BatchOptions,
): Promise<BatchRun> {
  const shared = options.shared ?? new SharedCache(context);
  const iterator = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]()) as
    | AsyncIterator<BatchRow>
    | Iterator<BatchRow>;
  const retryQueue: Attempt[] = [];
  const retried = new Set<number>();
  const notStarted: number[] = [];
  const cut = new Map<number, { writes: readonly string[]; userId?: string }>();
  /** A row was cut by the deadline: start no other. */
  let outOfTime = false;
  let finished = 0;
  let totalMs = 0;
  let exhausted = false;
  let stopped = false;
  const running = new Set<Promise<void>>();
  const settle = async (row: RowResult) => options.onSettled(row);

  const runOne = async (item: Attempt): Promise<void> => {
    const started = Date.now();
    const { desired } = item;
    const identity = {
      line: item.line,
      employeeId: desired.user.employeeId,
      userName: desired.user.name,
      ...(item.userId ? { userId: item.userId } : {}),
      ...(item.earlierWrites?.length ? { earlierWrites: item.earlierWrites } : {}),
    };
    let result: RowResult;
    try {
      const { startDate, occurredAt } = item.input as { startDate?: unknown; occurredAt?: unknown };
      const { steps, userId, stale } = await onboardUser(
        desired,
        shared.for(desired),
        context,
        typeof startDate === 'string' ? startDate : undefined,
        // Validated at the edge (ISO 8601 with an offset); a roster's rows without one speak as of its day.
        typeof occurredAt === 'string' ? new Date(occurredAt).toISOString() : context.factAt,
        typeof occurredAt !== 'string' && context.factAt !== undefined,
      );
      const failed = steps.some((s) => s.outcome === Outcome.Failed || (s.outcome === Outcome.Skipped && s.reason?.startsWith('skipped:')));
      const status = context.dryRun ? Status.DryRun : failed ? Status.Failed : stale ? Status.Stale : Status.Succeeded;
      result = { ...identity, status, ...(userId ? { userId } : {}), steps, errors: [] };
    } catch (error) {
      result = { ...identity, status: Status.Failed, steps: [], errors: [toErrorReport(error)] };
    }
    totalMs += Date.now() - started;
    finished += 1;
    if (result.status === Status.Failed && isOutOfTime(result)) {
      // Cut by the deadline: not settled here. The next invocation does the row again (the converge plan
      // finds what this try wrote), and its report line names what this try wrote.
      outOfTime = true;
      const writes = [...(item.earlierWrites ?? []), ...writesOf(result.steps)];
      const userId = result.userId ?? item.userId;
      if (writes.length === 0 || options.resumable) {
        notStarted.push(item.line);
        if (writes.length > 0) cut.set(item.line, { writes, ...(userId ? { userId } : {}) });
        return;
      }
      result = { ...result, retryable: true };
    } else if (result.status === Status.Failed && isRetryable(result)) {
      if (!retried.has(item.line) && retryQueue.length < 1000) {
        // Passing failure: once more at the end of this run. Throttling already slowed the batch in callOci.
        // What this try wrote stays on the row's report line, whatever the next try finds.
        retried.add(item.line);
        retryQueue.push({
          ...item,
          ...(result.userId ? { userId: result.userId } : {}),
          earlierWrites: [...(item.earlierWrites ?? []), ...writesOf(result.steps)],
          failed: result,
        });
        return;
      }
      result = { ...result, retryable: true };
    }
    if (result.status !== Status.Failed) options.throttle.completed();
    await settle(result);
  };

  /** The next row to start: a fresh one from the source, then the ones to retry. */
  const next = async (): Promise<Attempt | undefined> => {
    while (!exhausted) {
      const item = await iterator.next();
      if (item.done) {
        exhausted = true;
        break;
      }
      const { line, input } = item.value;
      try {
        return { line, input, desired: desiredFor(parseNewHire(input), context) };
      } catch (error) {
        if (!(error instanceof OnboardingError) || !error.exposed) throw error;
        await settle(rejected(line, input, error.problems, toErrorReport(error)));
      }
    }
    return retryQueue.shift();
  };

  for (;;) {
    while (running.size >= options.throttle.limit) await Promise.race(running);
    if (outOfTime || !options.canStartAnother(finished > 0 ? totalMs / finished : 0)) {
      stopped = true;
      break;
    }
    const item = await next();
    if (!item) {
      if (running.size === 0 && retryQueue.length === 0) break;
      if (running.size > 0) await Promise.race(running);
      continue;
    }
    const task = runOne(item).finally(() => running.delete(task));
    running.add(task);
  }
  await Promise.all(running);
  // A row cut by the deadline while others were still being started stops the batch like the deadline does.
  if (outOfTime) stopped = true;
  if (stopped) {
    // A row waiting for its second try (it failed once, not for time) that already wrote settles failed
    // (passing), naming its writes; one that wrote nothing is simply not started.
    for (const queued of retryQueue.splice(0)) {
      if (queued.failed && queued.earlierWrites?.length) await settle({ ...queued.failed, retryable: true });
      else notStarted.push(queued.line);
    }
    if (!exhausted) await iterator.return?.();
  }
  await shared.settled();
  return { shared: shared.steps(), stopped, notStarted: notStarted.sort((a, b) => a - b), cut };
}
