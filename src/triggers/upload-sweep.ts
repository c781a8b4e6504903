import type { BatchResult, NoticeResult } from '../core/response';
import { channelOf, RUNS_PREFIX, runOfChannel, runOfRecordName } from '../core/run-objects';
import { Status } from '../core/status';
import { toErrorReport } from '../support/errors';
import type { Invocation } from './invocation';
import { openRun, queueOf, readRunRecord } from './upload-context';
import { endReplaced } from './upload-finish';
import { planAndStart, startWorkers } from './upload-plan';
import { workRun } from './upload-worker';

/** Run records the sweep looks at: those written in the last day (the queue's default retention). */
const SWEEP_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A `finishing` run whose channel is empty this long after its record was written lost its finish message (never put). */
const LOST_FINISH_MS = 60_000;
/** Runs one sweep looks at, at most (the most recently written first). */
const MAX_SWEPT_RUNS = 200;

const correlationOf = (inv: Invocation) => ({ callId: inv.callId });

/**
 * A worker for one run (`{"work": {"run": …}}`, sent by the function to itself): the run's record is
 * read; a run whose file was replaced ends; a run whose planner died is planned again; otherwise this
 * invocation works the run's channel.
 */
export async function runWork(runId: string, inv: Invocation): Promise<BatchResult | NoticeResult> {
  const correlation = correlationOf(inv);
  queueOf(inv);
  // Run records are in STATE_BUCKET, or beside the uploads without one.
  const stateBucket = inv.config.STATE_BUCKET ?? inv.config.ONBOARDING_BUCKET;
  if (!stateBucket)
    return {
      kind: 'notice',
      status: Status.Ignored,
      correlation,
      reason: 'workers need STATE_BUCKET or ONBOARDING_BUCKET, where run records are',
    };
  const found = await readRunRecord(inv.services.objectsIn(), stateBucket, runId);
  if (!found) return { kind: 'notice', status: Status.Ignored, correlation, reason: `run ${runId} has no record` };
  const opened = await openRun(inv, found.value, correlation);
  if (opened.kind !== 'open') {
    const ended = await endReplaced(opened.ctx);
    return ended ?? { kind: 'notice', status: Status.Ignored, correlation, reason: `the file of run ${runId} was replaced or deleted` };
  }
  const { ctx } = opened;
  if (found.value.status === Status.Planning && (found.value.planningUntil ?? 0) < inv.clock.now()) {
    const etag = await ctx.writeRecord({ ...found.value, callId: inv.callId, planningUntil: inv.deadline }, found.etag);
    if (etag) await planAndStart(ctx, { value: { ...found.value, callId: inv.callId, planningUntil: inv.deadline }, etag });
  }
  return workRun(ctx);
}

/**
 * The schedule's sweep (`{"sweep": true}`, OCI Resource Scheduler every few minutes): the safety net
 * for the moment every worker of a run died at once. For each run with a channel holding messages or
 * a record written in the last day that is not over, it starts a worker when the run has visible
 * work, is settled and waits for its finish, or was left `planning` by a planner that died; a
 * `finishing` run whose finish message was never put gets it again.
 */
export async function sweep(inv: Invocation): Promise<NoticeResult | BatchResult> {
  const correlation = correlationOf(inv);
  const queue = queueOf(inv);
  const stateBucket = inv.config.STATE_BUCKET ?? inv.config.ONBOARDING_BUCKET;
  if (!stateBucket)
    return {
      kind: 'notice',
      status: Status.Ignored,
      correlation,
      reason: 'the sweep needs STATE_BUCKET or ONBOARDING_BUCKET, where run records are',
    };
  const store = inv.services.objectsIn();
  const now = inv.clock.now();
  const listed = await store.list(stateBucket, RUNS_PREFIX);
  const recent = listed
    .filter((o) => runOfRecordName(o.name) && now - o.modified < SWEEP_WINDOW_MS)
    .sort((a, b) => b.modified - a.modified);
  const modified = new Map(recent.map((o) => [runOfRecordName(o.name) as string, o.modified]));
  const channels = (await queue.channels()).map(runOfChannel).filter((id): id is string => id !== undefined);
  const runs = [...new Set([...channels, ...modified.keys()])].slice(0, MAX_SWEPT_RUNS);
  const started: string[] = [];
  let inline: string | undefined;
  for (const runId of runs) {
    try {
      const found = await readRunRecord(store, stateBucket, runId);
      if (!found) continue;
      const { status } = found.value;
      if (status === Status.Complete || status === Status.Failed || status === Status.Held) continue;
      const stats = await queue.stats(channelOf(runId));
      const empty = stats.visible === 0 && stats.inFlight === 0;
      let needsWorker = stats.visible > 0 || (status === Status.Running && empty);
      if (status === Status.Planning && (found.value.planningUntil ?? 0) < now) needsWorker = true;
      if (status === Status.Finishing && empty && now - (modified.get(runId) ?? now) > LOST_FINISH_MS) {
        await queue.put(channelOf(runId), [JSON.stringify({ kind: 'finish', run: runId, round: found.value.round })]);
        needsWorker = true;
      }
      if (!needsWorker) continue;
      if (inv.services.continuations) {
        const opened = await openRun(inv, found.value, correlation);
        if ((await startWorkers(opened.ctx, 1, 'sweep')) > 0) started.push(runId);
      } else inline ??= runId;
    } catch (error) {
      inv.log.warn('sweep: a run could not be looked at', { run: runId, error: toErrorReport(error) });
    }
  }
  inv.log.info('sweep', { runs: runs.length, started: started.length });
  // Outside OCI Functions (no FN_FN_ID) nothing can be started: the sweep works the first run itself.
  if (inline) return runWork(inline, inv);
  return {
    kind: 'notice',
    status: Status.Ignored,
    correlation,
    reason: `sweep: ${runs.length} run(s) looked at, ${started.length} worker(s) started`,
  };
}
