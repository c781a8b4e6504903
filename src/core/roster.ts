import { createHash } from 'node:crypto';
import type { ErrorReport } from '../support/errors';
import type { BreakerDecision } from './breaker';
import { addDays } from './plan';
import type { DirectoryUser } from './ports';
import type { StepResult } from './result';
import { type LeaverStatus, Status } from './status';

/** At most this many leavers are listed with their steps in a result, a report or a message; the counts cover all. */
export const MAX_LISTED_LEAVERS = 50;

/** Where an administrator approves a held roster run, in STATE_BUCKET. */
export const approvalObjectName = (runId: string) => `.onboarding/approvals/${runId}.json`;

/** What happened to one leaver of a roster run. */
export interface LeaverResult {
  readonly employeeId: string;
  readonly userName: string;
  readonly userId: string;
  /** `left`: something was taken away now; `unchanged`: nothing left to take; `held`: the breaker held the run. */
  readonly status: LeaverStatus;
  readonly steps: readonly StepResult[];
}

export interface RosterCounts {
  /** Managed users absent from the roster who had not left yet: what the breaker counts. */
  readonly leavers: number;
  readonly left: number;
  readonly unchanged: number;
  readonly failed: number;
  readonly held: number;
  readonly dryRun: number;
  /** Managed users absent from the roster who left on an earlier day: not looked at again (unless due for deletion). */
  readonly alreadyLeft: number;
  /** Leavers not reached before the deadline: the next invocation resumes them. */
  readonly notStarted: number;
}

/** What a roster run did beyond its rows: its leavers, and the breaker's decision. Bounded whatever the tenancy. */
export interface RosterSummary {
  readonly runId: string;
  /** The run's day (UTC), `YYYY-MM-DD`: the leavers' effective date and the "today" of its start dates. */
  readonly day: string;
  readonly counts: RosterCounts;
  /** At most MAX_LISTED_LEAVERS, failures first. */
  readonly leavers: readonly LeaverResult[];
  readonly breaker?: BreakerDecision & {
    /** Where to write the approval: STATE_BUCKET and the object name; absent without STATE_BUCKET (no approval is trusted). */
    readonly approvalObject?: { readonly bucket: string; readonly name: string };
    /** An approval object that was there but could not be trusted, and why. */
    readonly approvalProblem?: string;
  };
  /** Why no leaver was processed at all (an unreadable or empty roster). */
  readonly blocked?: string;
  /** The phase itself failed (a look-up): nobody was judged a leaver; the next delivery tries again. */
  readonly error?: ErrorReport;
}

/**
 * A full roster is the truth for every user this function manages: whoever is on it is a joiner or a
 * mover (the hire rows say so), and a managed user who is not on it is a leaver.
 */
export interface RosterReading {
  /** Employee ids of every row, valid or not: a row that failed validation still says the person is there. */
  readonly employeeIds: ReadonlySet<string>;
  /** Rows whose employee id could not be read: nobody can tell who is missing, so no one is taken away. */
  readonly rowsWithoutEmployeeId: number;
}

export interface RosterLeaver {
  readonly employeeId: string;
  readonly user: DirectoryUser;
  /** Already disabled and marked as left: a replay of the leaver, which writes nothing (or deletes after retention). */
  readonly alreadyLeft: boolean;
}

export interface RosterDifference {
  readonly leavers: readonly RosterLeaver[];
  /** Set when the leavers cannot be trusted and none is processed. */
  readonly blocked: string | undefined;
  /** Managed users who have not left: what the breaker's share is measured against. */
  readonly managed: number;
}

/** The employee id of a row, whatever else is wrong with it. */
export function employeeIdOf(input: unknown): string | undefined {
  const id = typeof input === 'object' && input !== null ? (input as { employeeId?: unknown }).employeeId : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : undefined;
}

/**
 * Reads the employee ids of a roster's rows (the raw inputs, before validation; `undefined` for a row
 * that could not be read at all). The ids are kept in a Set: its size follows the file, but the file
 * is bounded (200,000 rows, MAX_UPLOAD_BYTES), and short strings in a Set cost some tens of bytes each.
 */
export async function readRoster(inputs: Iterable<unknown> | AsyncIterable<unknown>): Promise<RosterReading> {
  const employeeIds = new Set<string>();
  let rowsWithoutEmployeeId = 0;
  for await (const input of inputs) {
    const id = employeeIdOf(input);
    if (id === undefined) rowsWithoutEmployeeId += 1;
    else employeeIds.add(id);
  }
  return { employeeIds, rowsWithoutEmployeeId };
}

/**
 * The leavers a roster implies: the managed users whose employee id is not on it. A roster with rows
 * whose employee id cannot be read, or an empty one, implies no leaver at all (an empty or truncated
 * export must never disable everybody).
 */
export function rosterDifference(roster: RosterReading, managed: readonly DirectoryUser[]): RosterDifference {
  const blocked =
    roster.rowsWithoutEmployeeId > 0
      ? `${roster.rowsWithoutEmployeeId} row(s) have no readable employee id, so nobody can be known to be missing`
      : roster.employeeIds.size === 0
        ? 'the roster lists nobody'
        : undefined;
  const hasLeft = (user: DirectoryUser) => !user.enabled && user.leftOn !== undefined;
  const leavers = managed
    .filter((user) => user.employeeId !== undefined && !roster.employeeIds.has(user.employeeId))
    .map((user) => ({ employeeId: user.employeeId as string, user, alreadyLeft: hasLeft(user) }))
    .sort((a, b) => a.employeeId.localeCompare(b.employeeId));
  return { leavers: blocked ? [] : leavers, blocked, managed: managed.filter((user) => !hasLeft(user)).length };
}

/**
 * Which leavers a run works on. Those who have not left are the run's leavers (what the breaker counts).
 * Those who left on an earlier day are not looked at again, which would cost seven IAM reads each every
 * day, except when the retention says their user is due for deletion. Those who left on the run's own
 * day are looked at again: that is how a run cut short by its deadline resumes a leaver it began.
 */
export function leaversToProcess(
  leavers: readonly RosterLeaver[],
  day: string,
  retentionDays: number | undefined,
): { leaving: RosterLeaver[]; revisit: RosterLeaver[]; alreadyLeft: number } {
  const leaving = leavers.filter((l) => !l.alreadyLeft);
  const revisit = leavers.filter(
    (l) => l.alreadyLeft && (l.user.leftOn === day || (retentionDays !== undefined && addDays(l.user.leftOn ?? day, retentionDays) <= day)),
  );
  return { leaving, revisit, alreadyLeft: leavers.length - leaving.length - revisit.length };
}

/** A roster run is its bucket, object, content and day: the same file the next day is a new run. */
export function rosterRunId(source: { bucket: string; object: string; md5: string }, day: string): string {
  const digest = createHash('sha256').update(`${source.bucket}\n${source.object}\n${source.md5}`).digest('hex').slice(0, 16);
  return `roster-${day}-${digest}`;
}

/** Clock skew tolerated in an event's time before the clock is trusted instead. */
const MAX_EVENT_SKEW_MS = 5 * 60_000;

/**
 * A roster run's day: the UTC day of the upload event (`eventTime`), which every delivery and
 * continuation of the same event carries, so a run that crosses midnight keeps one day and one id.
 * Without a readable time, or with one in the future, the clock's UTC day. `eventTime` is "the time of
 * the event, expressed in RFC 3339" in the CloudEvents 0.1 envelope OCI Events sends (Oracle's "Contents
 * of an Event Message"; read, not checked against a live tenancy).
 */
export function rosterDay(eventTime: unknown, now: number): string {
  const at = typeof eventTime === 'string' ? Date.parse(eventTime) : Number.NaN;
  const when = Number.isFinite(at) && at <= now + MAX_EVENT_SKEW_MS ? Math.min(at, now) : now;
  return new Date(when).toISOString().slice(0, 10);
}

/** What a leaver's steps add up to. */
export function leaverStatus(steps: readonly StepResult[]): LeaverResult['status'] {
  if (steps.some((s) => s.outcome === 'failed')) return Status.Failed;
  if (steps.some((s) => s.outcome === 'removed' || s.outcome === 'updated')) return Status.Left;
  return Status.Unchanged;
}

/** Counts every leaver and keeps a bounded list, failures first. */
export class LeaverTally {
  readonly #listed: LeaverResult[] = [];
  #counts = { leavers: 0, left: 0, unchanged: 0, failed: 0, held: 0, dryRun: 0, alreadyLeft: 0, notStarted: 0 };
  constructor(leavers: number, alreadyLeft: number) {
    this.#counts.leavers = leavers;
    this.#counts.alreadyLeft = alreadyLeft;
  }
  add(result: LeaverResult): void {
    const key = result.status === Status.DryRun ? 'dryRun' : result.status;
    this.#counts[key] += 1;
    if (this.#listed.length < MAX_LISTED_LEAVERS) this.#listed.push(result);
    else if (result.status === Status.Failed) {
      // A failure displaces the last listed success: whoever reads the summary needs the failures.
      let i = this.#listed.length - 1;
      while (i >= 0 && this.#listed[i]?.status === Status.Failed) i -= 1;
      if (i >= 0) this.#listed[i] = result;
    }
  }
  notStarted(count: number): void {
    this.#counts.notStarted = count;
  }
  get counts(): RosterCounts {
    return { ...this.#counts };
  }
  get listed(): LeaverResult[] {
    const rank = (r: LeaverResult) => (r.status === Status.Failed ? 0 : 1);
    return [...this.#listed].sort((a, b) => rank(a) - rank(b) || a.employeeId.localeCompare(b.employeeId));
  }
}

/**
 * Works through leavers with at most `concurrency` at once, starting another only while
 * `canStartAnother` (given the average time of one so far) says it would finish in time.
 * Answers how many were started; the rest are left for the next invocation.
 */
export async function forEachLeaver<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  options: { readonly concurrency: number; readonly canStartAnother: (averageMs: number) => boolean },
): Promise<{ started: number }> {
  let next = 0;
  let finished = 0;
  let spentMs = 0;
  const worker = async () => {
    for (;;) {
      if (next >= items.length || !options.canStartAnother(finished > 0 ? spentMs / finished : 0)) return;
      const item = items[next] as T;
      next += 1;
      const started = Date.now();
      await work(item);
      spentMs += Date.now() - started;
      finished += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  return { started: next };
}

/** A roster run's phase in its upload's record: what a later invocation or delivery resumes from. */
export interface RosterProgress {
  readonly runId: string;
  readonly day: string;
  /** `held`: waiting for an approval; `leavers`: begun and cut short, resumed by the next invocation; `done`. */
  readonly phase: 'held' | 'leavers' | 'done';
  readonly counts: RosterCounts;
  readonly breaker?: Pick<BreakerDecision, 'held' | 'count' | 'limit' | 'managed' | 'sample' | 'reason'>;
}

/** The record of a roster phase, small whatever the number of leavers. */
export function rosterProgress(summary: RosterSummary, phase: RosterProgress['phase']): RosterProgress {
  const b = summary.breaker;
  return {
    runId: summary.runId,
    day: summary.day,
    phase,
    counts: summary.counts,
    ...(b ? { breaker: { held: b.held, count: b.count, limit: b.limit, managed: b.managed, sample: b.sample, reason: b.reason } } : {}),
  };
}
