/**
 * The one status vocabulary. Every `status` the function writes (a hire's result, a row of a batch,
 * a leaver of a roster, an upload's run record, a batch's report and answer, a notice, a dedup
 * marker, and the ONS message made of them) is one of these words, and each word means the one thing
 * said here at every level it appears: the response, the run record, the report and the ONS message
 * of one piece of work say the same word. A level says a subset of it (the types below), in its one
 * result type:
 *
 * | level | type | status |
 * | --- | --- | --- |
 * | one HR event | `OnboardingResult` (result.ts) | `HireStatus` |
 * | a row of a batch | `RowResult` (batch.ts), its CSV report line | `RowStatus` |
 * | a leaver of a roster | `LeaverResult` (roster.ts) | `LeaverStatus` |
 * | an upload's run | `RunRecord` (upload-run.ts) | `RunStatus` |
 * | a batch | `BatchReport` (batch-report.ts), its ONS summary | `BatchStatus` |
 * | a batch's answer | `BatchResult` (response.ts) | `BatchAnswerStatus` |
 * | work not done | `NoticeResult` (response.ts) | `NoticeStatus` |
 * | a delivery's dedup marker | `Marker` (triggers/markers.ts) | `MarkerStatus` |
 */
export const Status = {
  /** Every step was done, or found done: the identity is as the HR fact says. (A hire, a row.) */
  Succeeded: 'succeeded',
  /**
   * Something was not done because OCI or the function failed: a hire, a row or a leaver with a failed
   * step; a batch or a run round with such a row or leaver; a delivery whose handling failed. A
   * re-delivery of the same event tries again (an upload: only its failed rows).
   */
  Failed: 'failed',
  /** The request, or one row of it, is wrong (or unauthenticated): nothing was written for it; sending it again changes nothing. */
  Rejected: 'rejected',
  /** DRY_RUN: everything was looked up and planned, nothing written; the steps say what would change. */
  DryRun: 'dry-run',
  /** Older than the last HR fact applied to the identity: nothing written; the steps say what it would have changed. */
  Stale: 'stale',
  /** A leaver whose effective date is still to come: nothing written yet (`scheduledFor` says when). */
  Scheduled: 'scheduled',
  /** A roster's leaver whose access was taken away by this run. */
  Left: 'left',
  /** A roster's leaver with nothing left to take away. */
  Unchanged: 'unchanged',
  /**
   * The breaker held a roster run: its rows are done, its leavers wait for an administrator's approval
   * (a leaver, a run record, a batch). Delivering it again after the approval does the rest.
   */
  Held: 'held',
  /** An upload whose run record exists and whose work is being put on its queue; other invocations go on with it. */
  Planning: 'planning',
  /** An upload whose chunks workers take; other invocations go on with it, and the one that finishes it publishes. */
  Running: 'running',
  /** An upload whose rows are all settled and whose one finish (its report, a roster's leaver phase) is under way. */
  Finishing: 'finishing',
  /** A batch, or a run round, in which every row was tried and none failed (rows may be `rejected`): final. */
  Complete: 'complete',
  /**
   * A batch given in the request that stopped at its deadline before every row was started: nothing
   * goes on by itself; sending it again does the rest (the done rows write nothing new).
   */
  Partial: 'partial',
  /** Acknowledged without work: an event about something else (an object outside the watched prefix, a report). */
  Ignored: 'ignored',
  /** Acknowledged without work: this delivery is being handled, or was, by another invocation. */
  Duplicate: 'duplicate',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

type Of<K extends keyof typeof Status> = (typeof Status)[K];

/** One HR event's result (a hire, a mover, a leaver), or a delivery refused or failed before it was routed. */
export type HireStatus = Of<'Succeeded' | 'Failed' | 'Rejected' | 'DryRun' | 'Stale' | 'Scheduled'>;
/** One row of a batch. */
export type RowStatus = Of<'Succeeded' | 'Failed' | 'Rejected' | 'DryRun' | 'Stale'>;
/** One leaver of a roster run. */
export type LeaverStatus = Of<'Left' | 'Unchanged' | 'Failed' | 'Held' | 'DryRun'>;
/** An upload whose work goes on in other invocations: its answer and report say its run record's word. */
export type UnfinishedStatus = Of<'Planning' | 'Running' | 'Finishing'>;
/** An upload's run record; `complete`, `failed` and `held` end a round (a delivery after `failed` starts the next). */
export type RunStatus = UnfinishedStatus | Of<'Held' | 'Complete' | 'Failed'>;
/** A batch's report and its ONS summary. */
export type BatchStatus = RunStatus | Of<'Partial'>;
/** A batch's answer: its report's word, or `dry-run` (the report then says whether every row was planned). */
export type BatchAnswerStatus = BatchStatus | Of<'DryRun'>;
/** A delivery acknowledged without work. */
export type NoticeStatus = Of<'Ignored' | 'Duplicate'>;
/** A dedup marker of an ONS message or OCI event: being handled, handled, or failed (the next delivery retries). */
export type MarkerStatus = Of<'Running' | 'Complete' | 'Failed'>;

/** Whether a run record's status means its work goes on (in this invocation or others). */
export const isUnfinished = (status: Status): status is UnfinishedStatus =>
  status === Status.Planning || status === Status.Running || status === Status.Finishing;
