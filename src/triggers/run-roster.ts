import type { BatchReport } from '../core/batch-report';
import { type Approval, breakerDecision, parseApproval } from '../core/breaker';
import { type FileRow, isUnreadable, type UnreadableRow } from '../core/hires-file';
import { convergeUser } from '../core/onboard';
import { leaverIdentity } from '../core/plan';
import type { ObjectStore, StoredObjectInfo } from '../core/ports';
import type { BatchResult } from '../core/response';
import { Outcome } from '../core/result';
import {
  approvalObjectName,
  forEachLeaver,
  type LeaverResult,
  LeaverTally,
  leaverStatus,
  leaversToProcess,
  MAX_LISTED_LEAVERS,
  type RosterLeaver,
  type RosterSummary,
  readRoster,
  rosterDay,
  rosterDifference,
  rosterRunId,
} from '../core/roster';
import { Status } from '../core/status';
import type { RunRecord } from '../core/upload-run';
import { toErrorReport } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';
import { batchOptions } from './run-batch';

/**
 * One run of a roster: an upload under ONBOARDING_PREFIX + ROSTER_PREFIX. Its rows are hires, processed
 * like any upload's; once they are settled, the managed users absent from it are its leavers, unless
 * the breaker holds them for an administrator's approval.
 */
export interface RosterRun {
  readonly runId: string;
  /** The run's day (UTC): "today" for its start dates, the effective date of its leavers. */
  readonly day: string;
  /** The upload's key: the day is part of it, so the same file the next day is a new run. */
  readonly key: string;
  readonly object: string;
  /**
   * Where the approval of this run is written: in STATE_BUCKET only. Undefined without STATE_BUCKET: the
   * upload bucket is writable by whoever uploads rosters, so an approval there would let them approve
   * their own run; such a run stays held until STATE_BUCKET is configured.
   */
  readonly approval: { readonly bucket: string; readonly name: string } | undefined;
}

/** Why a held run cannot be approved without STATE_BUCKET: said in the result, the report and the message. */
export const APPROVAL_NEEDS_STATE_BUCKET =
  'approving needs STATE_BUCKET (a bucket writable by administrators only); it is not configured, so this run stays held: set STATE_BUCKET in the function configuration, then write the approval there';

/** The roster run an upload is, or undefined when the object is not under the roster prefix. */
export function rosterRunOf(
  object: { bucket: string; name: string },
  info: Pick<StoredObjectInfo, 'md5'>,
  inv: Pick<Invocation, 'config'>,
  event: string,
  now = Date.now(),
): RosterRun | undefined {
  if (!object.name.startsWith(inv.config.ONBOARDING_PREFIX + inv.config.ROSTER_PREFIX)) return undefined;
  const day = rosterDay(eventTimeOf(event), now);
  const runId = rosterRunId({ bucket: object.bucket, object: object.name, md5: info.md5 }, day);
  return {
    runId,
    day,
    key: `roster:${object.bucket}/${object.name}#${info.md5}@${day}`,
    object: object.name,
    // Never the upload bucket: the uploader could write the approval the held message describes.
    approval: inv.config.STATE_BUCKET ? { bucket: inv.config.STATE_BUCKET, name: approvalObjectName(runId) } : undefined,
  };
}

/** The roster run a run record is, or undefined for a run of a plain upload. */
export function rosterRunFromRecord(record: RunRecord, inv: Pick<Invocation, 'config'>): RosterRun | undefined {
  const run = record.rosterRun;
  if (!run) return undefined;
  return {
    runId: run.runId,
    day: run.day,
    key: record.key,
    object: record.source.object,
    approval: inv.config.STATE_BUCKET ? { bucket: inv.config.STATE_BUCKET, name: approvalObjectName(run.runId) } : undefined,
  };
}

/** The event body as JSON (a leading BOM dropped, as the envelope decoder does); undefined when it is not an object. */
function eventObject(event: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(event.replace(/^\uFEFF/, ''));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const eventTimeOf = (event: string): unknown => eventObject(event)?.eventTime;

/** When a roster's facts were true: the start of its day (UTC), for every row without a time of its own and every leaver. */
export const rosterFactAt = (day: string) => `${day}T00:00:00.000Z`;

/** The invocation as a roster run sees it: "today" is the run's day, for every row and every leaver. */
export const onRunDay = (inv: Invocation, run: RosterRun | undefined): Invocation =>
  run ? { ...inv, today: run.day, factAt: rosterFactAt(run.day) } : inv;

/** Reads the approval of a run: absent, trusted, or a problem to report (a malformed one is never trusted). */
async function readApproval(store: ObjectStore, run: RosterRun): Promise<{ approval?: Approval; problem?: string }> {
  if (!run.approval) return { problem: APPROVAL_NEEDS_STATE_BUCKET };
  try {
    const value = await store.readJson<unknown>(run.approval.bucket, run.approval.name);
    if (value === undefined) return {};
    const parsed = parseApproval(value);
    return 'approval' in parsed ? { approval: parsed.approval } : { problem: parsed.problem };
  } catch (error) {
    if (error instanceof SyntaxError) return { problem: `the approval is not JSON (${error.message})` };
    return { problem: `the approval could not be read (${toErrorReport(error).message})` };
  }
}

export interface RosterPhaseContext {
  readonly run: RosterRun;
  readonly inv: Invocation;
  readonly store: ObjectStore;
  readonly rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
}

/** The outcome of a roster's leaver phase. `unfinished`: the deadline came; the next invocation resumes. */
export type RosterOutcome = { readonly kind: 'done' | 'held' | 'unfinished'; readonly summary: RosterSummary };

/**
 * The leaver phase, run by the run's finish job (upload-finish.ts) once every chunk is settled: streams the roster
 * again for its employee ids, lists the managed users, and decides with the breaker. Not held: each leaver
 * goes through the leaver plan (effective the run's day), a few at once, while the deadline allows.
 * Held: nothing is touched. A dry run plans the first MAX_LISTED_LEAVERS leavers and writes nothing.
 */
export async function rosterPhase(ctx: RosterPhaseContext): Promise<RosterOutcome> {
  try {
    return await leaverPhase(ctx);
  } catch (error) {
    // A look-up that failed (listing the users, reading the roster again): nobody was judged a leaver.
    // The run ends failed, so that the next delivery of the event does the phase again.
    const report = toErrorReport(error);
    ctx.inv.log.error('roster: leaver phase failed', { runId: ctx.run.runId, error: report });
    const counts = { ...new LeaverTally(0, 0).counts, failed: 1 };
    return { kind: 'done', summary: { runId: ctx.run.runId, day: ctx.run.day, counts, leavers: [], error: report } };
  }
}

async function leaverPhase(ctx: RosterPhaseContext): Promise<RosterOutcome> {
  const { run, inv, store } = ctx;
  const context = { ...onboardingContext(inv), today: run.day };
  const base = { runId: run.runId, day: run.day };
  const options = batchOptions(inv);
  // Reading the roster again and listing the users take a while: an invocation that settled the last
  // row near its deadline leaves the whole phase to the next one rather than failing halfway.
  if (!inv.dryRun && !options.canStartAnother(0))
    return { kind: 'unfinished', summary: { ...base, counts: new LeaverTally(0, 0).counts, leavers: [] } };
  const reading = await readRoster(idsOf(ctx.rowsOf()));
  const difference = rosterDifference(reading, await context.directory.listManagedUsers());
  if (difference.blocked) {
    inv.log.warn('roster: no leaver processed', { runId: run.runId, blocked: difference.blocked });
    return { kind: 'done', summary: { ...base, counts: new LeaverTally(0, 0).counts, leavers: [], blocked: difference.blocked } };
  }
  const { leaving, revisit, alreadyLeft } = leaversToProcess(difference.leavers, run.day, context.retentionDays);
  const ids = leaving.map((l) => l.employeeId);
  const limits = { maxUsers: inv.config.BREAKER_MAX_USERS, maxShare: inv.config.BREAKER_MAX_SHARE };
  let decision = breakerDecision(run.runId, ids, difference.managed, limits, undefined);
  let approvalProblem: string | undefined;
  if (decision.held) {
    const { approval, problem } = await readApproval(store, run);
    approvalProblem = problem;
    decision = breakerDecision(run.runId, ids, difference.managed, limits, approval);
  }
  const breaker = { ...decision, ...approvalWhere(run), ...(approvalProblem ? { approvalProblem } : {}) };
  // Held, only the new leavers wait; else the revisits are worked too (taken away earlier today: by an
  // invocation of this run that handed on, or another run that day), so they count among the leavers.
  const tally = new LeaverTally(decision.held ? leaving.length : leaving.length + revisit.length, alreadyLeft);
  inv.log.info('roster', { runId: run.runId, leavers: leaving.length, revisit: revisit.length, alreadyLeft, breaker: decision.reason });

  if (decision.held) {
    for (const leaver of leaving) tally.add(heldLeaver(leaver, decision.reason));
    return { kind: 'held', summary: { ...base, counts: tally.counts, leavers: tally.listed, breaker } };
  }
  const reason = `absent from roster ${run.object}`;
  // Revisits first: after a hand-off they are the leavers begun and cut short, and cost reads only.
  const work = [...revisit, ...leaving];
  const apply = async (leaver: RosterLeaver) => {
    // A roster speaks as of its day: a person whose last applied HR fact is newer (a hire event that day) is left alone.
    const identity = leaverIdentity({
      employeeId: leaver.employeeId,
      effectiveDate: run.day,
      reason,
      occurredAt: rosterFactAt(run.day),
      factImplied: true,
    });
    try {
      const { steps } = await convergeUser(identity, undefined, context);
      const status = inv.dryRun ? Status.DryRun : leaverStatus(steps);
      tally.add({ ...who(leaver), status, steps });
      // Every leaver is in the log; the result lists a bounded number.
      inv.log.info('roster leaver', {
        runId: run.runId,
        employeeId: leaver.employeeId,
        status,
        steps: steps.map((s) => `${s.step}:${s.outcome}`),
      });
    } catch (error) {
      const report = toErrorReport(error);
      tally.add({
        ...who(leaver),
        status: Status.Failed,
        steps: [
          { step: 'user', target: leaver.user.name, action: 'update', outcome: Outcome.Failed, reason: report.message, error: report },
        ],
      });
    }
  };
  // A dry run plans only the leavers it lists (each plan costs look-ups); the counts cover all of them.
  const planned = inv.dryRun ? work.slice(0, MAX_LISTED_LEAVERS) : work;
  context.directory.expectPeople?.(planned.map(({ employeeId }) => ({ employeeId })));
  const { started } = await forEachLeaver(planned, apply, {
    concurrency: inv.config.BATCH_CONCURRENCY,
    canStartAnother: (average) => options.canStartAnother(average),
  });
  tally.notStarted(planned.length - started);
  const summary = { ...base, counts: tally.counts, leavers: tally.listed, breaker };
  return { kind: started < planned.length ? 'unfinished' : 'done', summary };
}

const approvalWhere = (run: RosterRun) => (run.approval ? { approvalObject: run.approval } : {});

async function* idsOf(rows: AsyncIterable<FileRow | UnreadableRow>): AsyncGenerator<unknown> {
  for await (const row of rows) yield isUnreadable(row) ? undefined : row.input;
}

const who = (leaver: RosterLeaver) => ({ employeeId: leaver.employeeId, userName: leaver.user.name, userId: leaver.user.ocid });

function heldLeaver(leaver: RosterLeaver, reason: string): LeaverResult {
  return {
    ...who(leaver),
    status: Status.Held,
    steps: [{ step: 'sign-in', target: leaver.user.name, action: 'update', changes: ['disable'], outcome: Outcome.Held, reason }],
  };
}

/**
 * A held run delivered again (the event re-delivered, or the same roster uploaded again the same day):
 * without an approval object it stays held and writes nothing, not even its record; the answer repeats
 * the held report (not published again: the administrators were told once). With an approval object the
 * caller goes on to the leaver phase, which checks it.
 */
export async function stillHeld(
  run: RosterRun,
  record: RunRecord,
  store: ObjectStore,
  report: Omit<BatchReport, 'status' | 'counts' | 'shared' | 'failures' | 'notStarted' | 'finishedAt'>,
  options: { readonly decidesAgain: boolean },
): Promise<BatchResult | undefined> {
  const read = await readApproval(store, run);
  const problem =
    read.approval && read.approval.runId !== run.runId ? `the approval names run ${read.approval.runId}, not ${run.runId}` : read.problem;
  if (read.approval && !problem && options.decidesAgain) return undefined;
  const progress = record.roster;
  const decision = progress?.breaker;
  const roster: RosterSummary = {
    runId: run.runId,
    day: run.day,
    counts: progress?.counts ?? new LeaverTally(0, 0).counts,
    leavers: [],
    ...(decision
      ? {
          breaker: {
            ...decision,
            runId: run.runId,
            ...approvalWhere(run),
            ...(problem ? { approvalProblem: problem } : {}),
          },
        }
      : {}),
  };
  const counts = record.counts ?? { succeeded: 0, failed: 0, rejected: 0, unreadable: 0 };
  return {
    kind: 'batch',
    status: Status.Held,
    correlation: report.correlation,
    report: {
      ...report,
      status: Status.Held,
      counts: { ...counts, notStarted: 0 },
      shared: [],
      failures: [],
      notStarted: [],
      roster,
      finishedAt: record.finishedAt ?? new Date().toISOString(),
    },
    // Told once, when the run was held: a re-delivery without an approval is answered, not announced.
    final: false,
  };
}
