import { type BatchReport, failedCsvLine, MAX_LISTED_FAILURES, REPORT_CSV_HEADER } from '../core/batch-report';
import { isUnreadable } from '../core/hires-file';
import type { TakenMessage, Versioned } from '../core/ports';
import type { BatchResult, NoticeResult } from '../core/response';
import { rosterProgress } from '../core/roster';
import { carriedName, channelOf, errorName, headerName, partName, summaryName } from '../core/run-objects';
import { Status } from '../core/status';
import {
  type CarriedWrites,
  type ChunkSummary,
  type FailedRow,
  MAX_SAMPLED_FAILURES,
  mergeShared,
  type RunRecord,
  replacedReason,
  totals,
} from '../core/upload-run';
import { ErrorCode, toErrorReport } from '../support/errors';
import { workBody } from './engine-body';
import { rosterPhase } from './run-roster';
import { notice, partialAnswer, type RunContext } from './upload-context';
import { allPieces, earlierSharedWrites } from './upload-pieces';

/**
 * The run's finish, a job on its queue like any chunk: the one invocation holding the `finish`
 * message reads every chunk's summary, reports a chunk that went to the dead-letter queue as failed
 * rows with the reason of its last delivery, runs a roster's leaver phase (the breaker holds it, or
 * an approval lets it through), joins the report parts in order into `<name>.report.csv` (one
 * streamed PutObject), writes `<name>.report.json`, marks the record with `if-match`, and only then
 * deletes the message. Killed anywhere, its message comes back and the next holder does it again:
 * every write of it is the same again, and the record's `if-match` lets one finish count.
 */
export async function finishRun(
  ctx: RunContext,
  current: Versioned<RunRecord>,
  message: TakenMessage,
): Promise<BatchResult | NoticeResult> {
  const { inv, store, stateBucket, runId } = ctx;
  const record = current.value;
  const summaries = await chunkSummaries(ctx, record);
  const counts = totals(summaries);
  const failures = summaries.flatMap((s) => s.failures).slice(0, MAX_LISTED_FAILURES);
  // The writes of earlier rounds first: this round found their groups and policies done.
  const shared = mergeShared([{ shared: await earlierSharedWrites(store, stateBucket, record) }, ...summaries]);
  const settled = { source: record.source, correlation: ctx.correlation, counts: { ...counts, notStarted: 0 }, shared, failures };
  const warnings = ctx.warnings;

  // A roster's leaver phase, once every row is settled; cut short by the deadline, the message goes back for the next worker.
  const rostered = ctx.roster ? await rosterPhase({ run: ctx.roster, inv, store, rowsOf: ctx.rowsOf }) : undefined;
  if (rostered?.kind === 'unfinished') {
    // Leavers were done: a fresh finish message takes this one's place (its deliveries count from 1
    // again; the leavers done write nothing next time). None done: this one goes back, and counts.
    const { counts: leavers } = rostered.summary;
    if (leavers.notStarted < leavers.leavers) {
      await ctx.queue.put(channelOf(runId), [JSON.stringify({ kind: 'finish', run: runId, round: record.round })]);
      await ctx.queue.delete(message.receipt);
    } else await ctx.queue.release(message.receipt, 0);
    await inv.services.continuations?.start(workBody(runId)).catch((error: unknown) => {
      inv.log.warn('no successor started; the sweep will start one', { error: toErrorReport(error) });
    });
    inv.log.info('leaver phase handed on', { run: runId, notStarted: leavers.notStarted, of: leavers.leavers });
    return partialAnswer(ctx, record, { ...settled, roster: rostered.summary });
  }
  const leaversFailed = (rostered?.summary.counts.failed ?? 0) > 0;
  const status = counts.failed > 0 || leaversFailed ? Status.Failed : rostered?.kind === 'held' ? Status.Held : Status.Complete;
  const report: BatchReport = {
    ...settled,
    status,
    notStarted: [],
    reportObjects: ctx.reportObjects,
    ...(rostered ? { roster: rostered.summary } : {}),
    finishedAt: new Date().toISOString(),
  };
  // Bookkeeping: the reports. If they cannot be written the outcome stands, with a warning.
  try {
    await store.write(stateBucket, headerName(runId), REPORT_CSV_HEADER, 'text/csv; charset=utf-8');
    await store.compose(
      record.source.bucket,
      ctx.reportObjects.csv,
      [
        { bucket: stateBucket, name: headerName(runId), size: Buffer.byteLength(REPORT_CSV_HEADER, 'utf8') },
        ...summaries.map((s) => ({ bucket: stateBucket, name: partName(runId, s.round, s.chunk, s.from), size: s.partBytes })),
      ],
      'text/csv; charset=utf-8',
    );
    await store.write(record.source.bucket, ctx.reportObjects.json, JSON.stringify(report, null, 2), 'application/json');
  } catch (error) {
    warnings.push(`the report could not be written: ${toErrorReport(error).message}`);
  }
  const done: RunRecord = {
    ...record,
    status,
    finishedAt: report.finishedAt,
    counts,
    callId: inv.callId,
    ...(rostered ? { roster: rosterProgress(rostered.summary, rostered.kind === 'held' ? 'held' : 'done') } : {}),
  };
  const marked = await ctx.writeRecord(done, current.etag);
  await ctx.queue.delete(message.receipt).catch((error: unknown) => {
    inv.log.warn('the finish message could not be deleted; its next holder finds the run finished', { error: toErrorReport(error) });
  });
  // Refused: another finisher marked the record meanwhile; its summary is the one published.
  if (!marked) return notice(ctx, Status.Duplicate, 'another invocation finished this run');
  inv.log.info('run finished', { run: runId, status, counts });
  const final = { ...report, ...(warnings.length ? { warnings } : {}) };
  return {
    kind: 'batch',
    status: done.status,
    correlation: ctx.correlation,
    report: final,
    final: true,
  };
}

/**
 * Every chunk's done pieces, in row order: of this round for the chunks it worked, of the last round
 * that worked it for the others. A piece of this round that is not done went to the dead-letter
 * queue: its rows are written as failed lines with the reason of the chunk's last failed delivery (a
 * summary and a part of its own, so that a finish done again finds them).
 */
async function chunkSummaries(ctx: RunContext, record: RunRecord): Promise<ChunkSummary[]> {
  const out: ChunkSummary[] = [];
  for (const pieces of await allPieces(ctx.store, ctx.stateBucket, record)) {
    out.push(...pieces.summaries);
    if (pieces.missingFrom !== undefined)
      out.push(await deadLettered(ctx, record, pieces.round, pieces.missingFrom, pieces.summaries.at(-1)));
  }
  return out;
}

async function deadLettered(
  ctx: RunContext,
  record: RunRecord,
  round: number,
  from: number,
  before: ChunkSummary | undefined,
): Promise<ChunkSummary> {
  const { store, stateBucket, runId } = ctx;
  const chunk = Math.floor(from / record.chunkRows);
  // The piece before settled some of these rows already (`skip`) and handed on what cut rows wrote
  // (`carry`); a try that settled nothing left its rows' and groups' writes: the failed lines name them.
  const skip = new Set(before?.next === from ? (before.skip ?? []) : []);
  const tried = await store.readJson<CarriedWrites>(stateBucket, carriedName(runId, round, chunk, from));
  const wrote = (line: number) => tried?.rows?.[line] ?? (before?.next === from ? before.carry?.[line] : undefined);
  const last = await store.readJson<{ reason?: string }>(stateBucket, errorName(runId, round, chunk));
  const reason = `the chunk failed on each of its deliveries and went to the dead-letter queue; the last failure: ${last?.reason ?? 'unknown (its worker was stopped before it could say)'}`;
  const end = Math.min(record.rows, (chunk + 1) * record.chunkRows);
  const lines: string[] = [];
  const failures: FailedRow[] = [];
  let index = -1;
  let failedRows = 0;
  for await (const row of ctx.rowsOf()) {
    index += 1;
    if (index < from || skip.has(index)) continue;
    if (index >= end) break;
    failedRows += 1;
    const input = isUnreadable(row) ? {} : ((row.input ?? {}) as { employeeId?: unknown; userName?: unknown });
    const written = wrote(row.line);
    const failed: FailedRow = {
      line: row.line,
      ...(typeof input.employeeId === 'string' ? { employeeId: input.employeeId } : {}),
      ...(typeof input.userName === 'string' ? { userName: input.userName } : {}),
      ...(written?.userId ? { userId: written.userId } : {}),
      ...(written?.writes.length ? { writes: written.writes } : {}),
      retryable: true,
      error: { code: ErrorCode.ChunkDeadLettered, message: reason.slice(0, 300) },
    };
    lines.push(failedCsvLine(failed));
    if (failures.length < MAX_SAMPLED_FAILURES) failures.push(failed);
  }
  const part = lines.join('');
  await store.write(stateBucket, partName(runId, round, chunk, from), part, 'text/csv; charset=utf-8');
  const summary: ChunkSummary = {
    chunk,
    round,
    from,
    counts: { succeeded: 0, failed: failedRows, rejected: 0, unreadable: 0 },
    failures,
    shared: tried?.shared ?? [],
    partBytes: Buffer.byteLength(part, 'utf8'),
    deadLettered: reason,
  };
  await store.write(stateBucket, summaryName(runId, round, chunk, from), JSON.stringify(summary), 'application/json');
  ctx.inv.log.warn('chunk dead-lettered', { chunk, from, reason });
  return summary;
}

/**
 * Ends a run whose file was replaced while it ran: `failed`, saying why, so that nobody sees it
 * running for ever. The one invocation whose conditional write ends it answers the summary (the
 * counts as the chunks left them); the others, and a run already ended, answer undefined. No report
 * object is written: it is named after the file, whose new content has a run (and report) of its own.
 */
export async function endReplaced(ctx: RunContext): Promise<BatchResult | undefined> {
  try {
    const current = await ctx.readRecord();
    if (!current) return undefined;
    const { value } = current;
    if (value.status === Status.Complete || value.status === Status.Failed || value.status === Status.Held) return undefined;
    const found = (await allPieces(ctx.store, ctx.stateBucket, value)).flatMap((p) => p.summaries);
    const counts = totals(found);
    const notStarted = value.rows - counts.succeeded - counts.rejected - counts.unreadable - counts.failed;
    const reason = replacedReason(notStarted);
    const finishedAt = new Date().toISOString();
    const ended: RunRecord = { ...value, status: Status.Failed, stopped: reason, finishedAt, counts, callId: ctx.inv.callId };
    if (!(await ctx.writeRecord(ended, current.etag))) return undefined;
    ctx.inv.log.warn('upload stopped', { object: value.source.object, reason });
    const report: BatchReport = {
      source: value.source,
      status: Status.Failed,
      stopped: reason,
      correlation: ctx.correlation,
      counts: { ...counts, notStarted },
      shared: mergeShared(found),
      failures: found.flatMap((s) => s.failures).slice(0, MAX_LISTED_FAILURES),
      notStarted: [],
      finishedAt,
    };
    return { kind: 'batch', status: Status.Failed, correlation: ctx.correlation, report, final: true };
  } catch (error) {
    ctx.inv.log.warn('bookkeeping', { warning: `the stopped run's record could not be ended: ${toErrorReport(error).message}` });
    return undefined;
  }
}
