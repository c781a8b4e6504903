import { type BatchRow, onboardRows } from '../core/batch';
import { type BatchReport, MAX_LISTED_FAILURES } from '../core/batch-report';
import { type FileRow, formatOf, isUnreadable, readHires, type UnreadableRow } from '../core/hires-file';
import type { ObjectStore } from '../core/ports';
import type { BatchResult, NoticeResult } from '../core/response';
import { channelOf, recordName, reportNames, runIdOf } from '../core/run-objects';
import { Status } from '../core/status';
import { chunkRowsFor, type FailedRow, failedRow, type RunRecord, uploadKey } from '../core/upload-run';
import { ErrorCode, OnboardingError } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';
import { batchOptions, REPORT_RESERVE_MS } from './run-batch';
import { onRunDay, rosterPhase, rosterRunOf, stillHeld } from './run-roster';
import { notice, openRun, queueOf, readRunRecord } from './upload-context';
import { allPieces } from './upload-pieces';
import { planAndStart } from './upload-plan';
import { workRun } from './upload-worker';

/** Working time an upload invocation needs at least (after the reserves), or no row would ever settle. */
const MIN_UPLOAD_WORK_MS = 1000;

interface UploadObject {
  readonly namespace: string;
  readonly bucket: string;
  readonly name: string;
}

/**
 * A file of hires uploaded to Object Storage (an OCI Events delivery), of any size up to
 * MAX_UPLOAD_BYTES. The delivery that finds no run record plans the run: counts the rows, writes the
 * record once (`if-none-match: *`), puts one message per chunk on the run's queue channel, starts
 * UPLOAD_INVOCATIONS - 1 workers, and works as one itself (upload-worker.ts). Any later delivery of
 * the same content is a worker of the same run, or answers `duplicate` once it is complete; one after
 * `failed` starts the next round; one of a held roster run takes an approval up.
 */
export async function runUpload(
  object: UploadObject,
  inv: Invocation,
  eventId: string | undefined,
  event: string,
): Promise<BatchResult | NoticeResult> {
  const store = inv.services.objectsIn(object.namespace);
  const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
  const info = await store.head(object.bucket, object.name);
  if (!info) return { kind: 'notice', status: Status.Ignored, correlation, reason: `${object.name} no longer exists` };
  if (info.size > inv.config.MAX_UPLOAD_BYTES) {
    throw new OnboardingError(
      ErrorCode.InvalidEvent,
      `${object.name} is ${info.size} bytes; at most ${inv.config.MAX_UPLOAD_BYTES} are read (MAX_UPLOAD_BYTES); split the file`,
    );
  }
  // A timeout that leaves no working time would plan a run no invocation can work: refused at once,
  // judged on the whole call (its timeout), not on what is left of it.
  const reserves = inv.config.PUBLISH_RESERVE_MS + REPORT_RESERVE_MS;
  const timeoutMs = inv.deadline - inv.startedAt;
  if (timeoutMs - reserves < MIN_UPLOAD_WORK_MS) {
    throw new OnboardingError(
      ErrorCode.InvalidConfig,
      `The function's timeout (${Math.round(timeoutMs / 100) / 10} s) leaves ${Math.max(0, Math.round((timeoutMs - reserves) / 100) / 10)} s to work on ${object.name} once ${reserves / 1000} s are kept back for the report and its publication (PUBLISH_RESERVE_MS); uploads need at least ${MIN_UPLOAD_WORK_MS / 1000} s: raise the function's timeout (func.yaml) or lower PUBLISH_RESERVE_MS`,
    );
  }
  const format = formatOf(object.name, info.contentType);
  if (!format)
    return { kind: 'notice', status: Status.Ignored, correlation, reason: `${object.name} is not .csv, .json, .ndjson or .jsonl` };
  const source = { bucket: object.bucket, object: object.name, md5: info.md5 };
  const reportObjects = reportNames(object.name);
  // A roster run has a day, which is "today" for its rows and part of its key.
  const roster = rosterRunOf(object, info, inv, event);
  const rowsOf = () =>
    readHires(format, store.readBytes(object.bucket, object.name, { ifMatch: info.etag }), { maxBytes: inv.config.MAX_UPLOAD_BYTES });
  if (inv.dryRun) {
    const dayInv = onRunDay(inv, roster);
    const planned = await dryRun(rowsOf, dayInv, source, correlation);
    if (!roster) return planned;
    const { summary } = await rosterPhase({ run: roster, inv: dayInv, store, rowsOf });
    return { ...planned, report: { ...planned.report, roster: summary } };
  }
  queueOf(inv);
  const stateBucket = inv.config.STATE_BUCKET ?? object.bucket;
  const key = roster?.key ?? uploadKey(object.bucket, object.name, info.md5);
  const runId = runIdOf(key);

  let found = await readRunRecord(store, stateBucket, runId);
  let plan = false;
  if (!found) {
    let rows = 0;
    for await (const _ of rowsOf()) rows += 1;
    const chunkRows = chunkRowsFor(rows, inv.config.UPLOAD_CHUNK_ROWS);
    const record: RunRecord = {
      id: runId,
      key,
      namespace: object.namespace,
      source,
      ...(info.contentType ? { contentType: info.contentType } : {}),
      status: Status.Planning,
      rows,
      chunkRows,
      chunks: Math.max(1, Math.ceil(rows / chunkRows)),
      round: 1,
      startedAt: new Date().toISOString(),
      callId: inv.callId,
      planningUntil: inv.deadline,
      ...(roster ? { rosterRun: { runId: roster.runId, day: roster.day } } : {}),
    };
    const etag = await store.writeIf(stateBucket, recordName(runId), JSON.stringify(record), 'application/json', { ifNoneMatch: '*' });
    // Of two deliveries arriving together one writes the record and plans; the other works the same run.
    plan = etag !== undefined;
    found = etag ? { value: record, etag } : await readRunRecord(store, stateBucket, runId);
    inv.log.info('upload counted', { object: object.name, format, rows, chunks: record.chunks, planned: plan });
  }
  if (!found) throw new OnboardingError(ErrorCode.Internal, 'The run record vanished', { exposed: false });
  const opened = await openRun(inv, found.value, correlation);
  const ctx = opened.ctx;
  if (opened.kind !== 'open')
    return notice(ctx, Status.Ignored, `${object.name} changed while it was looked at; its new event starts its run`);
  const record = found.value;

  if (record.status === Status.Complete)
    return notice(
      ctx,
      Status.Duplicate,
      `this file (same name and content) was processed by call ${record.callId}, finished at ${record.finishedAt}`,
    );
  if (record.status === Status.Held && roster) {
    // Delivered again without an approval: held, writing nothing. With one: the finish is a job again, once.
    const waiting = await stillHeld(roster, record, store, { source, correlation, reportObjects }, { decidesAgain: true });
    if (waiting) return waiting;
    const approved = await ctx.writeRecord({ ...record, status: Status.Finishing, callId: inv.callId }, found.etag);
    if (!approved) return notice(ctx, Status.Duplicate, 'another delivery took the approval up a moment ago');
    await ctx.queue.put(channelOf(runId), [JSON.stringify({ kind: 'finish', run: runId, round: record.round })]);
    return workRun(ctx);
  }
  if (record.status === Status.Failed) {
    // A delivery after a failed run retries the chunks with failed rows: a new round.
    const redo = await chunksToRedo(store, stateBucket, record);
    const { finishedAt: _f, counts: _c, stopped: _s, roster: _r, ...rest } = record;
    const next: RunRecord = {
      ...rest,
      status: Status.Planning,
      round: record.round + 1,
      redo,
      callId: inv.callId,
      planningUntil: inv.deadline,
    };
    const etag = await ctx.writeRecord(next, found.etag);
    if (!etag) return workRun(ctx);
    found = { value: next, etag };
    plan = true;
  } else if (record.status === Status.Planning && (record.planningUntil ?? 0) < inv.clock.now()) {
    // Its planner died before the work was on the queue: this delivery plans again.
    const next: RunRecord = { ...record, callId: inv.callId, planningUntil: inv.deadline };
    const etag = await ctx.writeRecord(next, found.etag);
    if (etag) {
      found = { value: next, etag };
      plan = true;
    }
  }
  if (plan) await planAndStart(ctx, found);
  return workRun(ctx);
}

/** The chunks with failed rows in their last round, or a piece not done: a new round works them again. */
async function chunksToRedo(store: ObjectStore, bucket: string, record: RunRecord): Promise<number[]> {
  const pieces = await allPieces(store, bucket, record);
  return pieces
    .map((p, chunk) => ({ chunk, redo: p.missingFrom !== undefined || p.summaries.some((s) => s.counts.failed > 0) }))
    .filter((c) => c.redo)
    .map((c) => c.chunk);
}

/** A dry run reads every row and plans it; nothing is written, not even a run record. */
async function dryRun(
  rowsOf: () => AsyncIterable<FileRow | UnreadableRow>,
  inv: Invocation,
  source: BatchReport['source'],
  correlation: BatchReport['correlation'],
): Promise<BatchResult> {
  const counts = { succeeded: 0, failed: 0, rejected: 0, unreadable: 0, 'dry-run': 0 };
  const failures: FailedRow[] = [];
  async function* rows(): AsyncGenerator<BatchRow> {
    for await (const row of rowsOf()) {
      if (isUnreadable(row)) counts.unreadable += 1;
      else yield row;
    }
  }
  const run = await onboardRows(rows(), onboardingContext(inv), {
    ...batchOptions(inv),
    onSettled: (row) => {
      if (row.status === Status.DryRun) counts['dry-run'] += 1;
      else if (row.status === Status.Rejected) counts.rejected += 1;
      else if (row.status === Status.Failed) {
        counts.failed += 1;
        if (failures.length < MAX_LISTED_FAILURES) failures.push(failedRow(row));
      }
    },
  });
  const report: BatchReport = {
    source,
    status: run.stopped ? Status.Partial : counts.failed > 0 ? Status.Failed : Status.Complete,
    correlation,
    counts: { ...counts, notStarted: 0 },
    shared: run.shared,
    failures,
    notStarted: [],
    finishedAt: new Date().toISOString(),
  };
  return { kind: 'batch', status: Status.DryRun, correlation, report };
}
