import { type BatchRow, onboardRows, RowStatus, SharedCache } from '../core/batch';
import { type BatchReport, MAX_LISTED_FAILURES } from '../core/batch-report';
import { type FileRow, formatOf, isUnreadable, readHires, type UnreadableRow } from '../core/hires-file';
import type { BatchResult, NoticeResult } from '../core/response';
import { chunkRowsFor, type FailedRow, failedRow, replacedReason, totals, type UploadRecord, uploadKey } from '../core/upload-progress';
import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import type { Continues } from './envelope';
import { finalize } from './finish-upload';
import { type Invocation, onboardingContext } from './invocation';
import { continuing, endReplaced, type KnownRun, SAME_CONTENT_AGAIN, stillSameContent } from './replaced-run';
import { batchOptions, REPORT_RESERVE_MS, stopAtOf } from './run-batch';
import { mergeShared, runChunk } from './run-chunk';
import { continuationEvent, onRunDay, rosterPhase, rosterRunOf, stillHeld } from './run-roster';
import { ChunkBoard, progressDir } from './upload-chunks';

/** Working time an upload invocation needs at least (after the reserves), or no row would ever settle. */
const MIN_UPLOAD_WORK_MS = 1000;
/** How long before it stops an invocation starts the next one (at most a quarter of its working time). */
const HANDOFF_LEAD_MS = 5000;

interface UploadObject {
  readonly namespace: string;
  readonly bucket: string;
  readonly name: string;
  readonly continues?: Continues;
}

/**
 * A file of hires uploaded to Object Storage, of any size up to MAX_UPLOAD_BYTES. The first delivery
 * counts the rows and cuts them into chunks; every invocation (this one, the ones it starts through
 * the Functions invoke API, a re-delivery) claims a free chunk with a conditional write, onboards its
 * rows as they stream, and records settled lines and report parts as it goes. Near its deadline an
 * invocation records where it is and starts the next one. The invocation that settles the last chunk
 * joins the report and publishes the summary, once.
 */
export async function runUpload(
  object: UploadObject,
  inv: Invocation,
  eventId: string | undefined,
  event: string,
): Promise<BatchResult | NoticeResult> {
  const known: { run?: KnownRun } = {};
  try {
    return await processUpload(object, inv, eventId, event, known);
  } catch (error) {
    // The file was replaced while it was processed: its rows no longer are the ones counted. The run
    // stops here, onboarding nothing more; the new file has an event of its own.
    if (error instanceof OnboardingError && error.code === ErrorCode.SourceChanged) {
      inv.log.warn('upload stopped', { object: object.name, reason: error.message });
      const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
      const sameContent = known.run ? await stillSameContent(known.run, object) : false;
      if (sameContent) {
        // The same bytes were written again: the run is still good, and goes on under the new version's
        // event and this run's continuations. Nothing is ended; a continuation takes what this one held.
        await known.run?.resume('the same content was written again');
        return { kind: 'notice', status: 'ignored', correlation, reason: SAME_CONTENT_AGAIN };
      }
      const ended = known.run ? await endReplaced(known.run, inv, correlation) : undefined;
      return ended ?? { kind: 'notice', status: 'ignored', correlation, reason: error.message };
    }
    throw error;
  }
}

async function processUpload(
  object: UploadObject,
  inv: Invocation,
  eventId: string | undefined,
  event: string,
  known: { run?: KnownRun },
): Promise<BatchResult | NoticeResult> {
  const store = inv.services.objectsIn(object.namespace);
  const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
  const info = await store.head(object.bucket, object.name);
  if (!info) return { kind: 'notice', status: 'ignored', correlation, reason: `${object.name} no longer exists` };
  if (info.size > inv.config.MAX_UPLOAD_BYTES) {
    throw new OnboardingError(
      ErrorCode.InvalidEvent,
      `${object.name} is ${info.size} bytes; at most ${inv.config.MAX_UPLOAD_BYTES} are read (MAX_UPLOAD_BYTES); split the file`,
    );
  }
  // A timeout that leaves no working time would chain continuations that never settle a row: the
  // delivery that starts a run is refused at once. Judged on the whole call (its timeout), not on what
  // is left of it. A continuation (`continues`) is never refused: its run was accepted, and refusing it
  // would leave the run with nobody going on.
  const continued = object.continues;
  const reserves = inv.config.PUBLISH_RESERVE_MS + REPORT_RESERVE_MS;
  const timeoutMs = inv.deadline - inv.startedAt;
  if (!continued && timeoutMs - reserves < MIN_UPLOAD_WORK_MS) {
    throw new OnboardingError(
      ErrorCode.InvalidConfig,
      `The function's timeout (${Math.round(timeoutMs / 100) / 10} s) leaves ${Math.max(0, Math.round((timeoutMs - reserves) / 100) / 10)} s to work on ${object.name} once ${reserves / 1000} s are kept back for the report and its publication (PUBLISH_RESERVE_MS); uploads need at least ${MIN_UPLOAD_WORK_MS / 1000} s: raise the function's timeout (func.yaml) or lower PUBLISH_RESERVE_MS`,
    );
  }
  const format = formatOf(object.name, info.contentType);
  if (!format) return { kind: 'notice', status: 'ignored', correlation, reason: `${object.name} is not .csv, .json, .ndjson or .jsonl` };
  // Every read is pinned (if-match) to the version this invocation looked at. Its content is the one the
  // upload record counted, since the record's key holds the content's MD5 (a roster's key too): a file
  // replaced mid-run fails the next read (SOURCE_CHANGED) instead of shifting row positions. The same
  // bytes uploaded again (a new ETag, the same MD5) are the same rows: the read is pinned to the new
  // version and goes on. (An upload in parts has a multipart MD5 of its own: taken for other content.)
  let pinned = info.etag;
  const runMd5 = info.md5;
  async function* readPinned(): AsyncGenerator<Uint8Array> {
    let opened = false;
    try {
      for await (const bytes of store.readBytes(object.bucket, object.name, { ifMatch: pinned })) {
        opened = true;
        yield bytes;
      }
    } catch (error) {
      // A version mismatch is answered when the GET is made, before any byte: nothing was read yet.
      if (opened || !(error instanceof OnboardingError && error.code === ErrorCode.SourceChanged)) throw error;
      const now = await store.head(object.bucket, object.name);
      if (!now || now.md5 !== runMd5) throw error;
      inv.log.info('upload written again with the same content; reading the new version', { object: object.name });
      pinned = now.etag;
      yield* store.readBytes(object.bucket, object.name, { ifMatch: pinned });
    }
  }
  const rowsOf = () => readHires(format, readPinned(), { maxBytes: inv.config.MAX_UPLOAD_BYTES });
  const source = { bucket: object.bucket, object: object.name, md5: info.md5 };
  const reportObjects = { json: `${object.name}.report.json`, csv: `${object.name}.report.csv` };
  // --- Roster hook (run-roster.ts): a roster run has a day, which is "today" for its rows and part of its key.
  const roster = rosterRunOf(object, info, inv, event);
  inv = onRunDay(inv, roster);
  if (inv.dryRun && roster) {
    const planned = await dryRun(rowsOf, inv, source, correlation);
    const { summary } = await rosterPhase({ run: roster, inv, store, rowsOf });
    return { ...planned, report: { ...planned.report, roster: summary } };
  }
  // --- end of roster hook
  if (inv.dryRun) return dryRun(rowsOf, inv, source, correlation);

  const stateBucket = inv.config.STATE_BUCKET ?? object.bucket;
  // A continuation of a run whose file was replaced since it was started: that run is over (its rows
  // are no longer in the file). It ends here, as `failed`, rather than staying `running` for ever; the
  // new content has an event of its own. (A roster run's key holds its day too: only a failed read ends it.)
  if (continued && !roster && continued.md5 !== info.md5) {
    const oldDir = progressDir(uploadKey(object.bucket, object.name, continued.md5));
    const old = await store.readVersioned<UploadRecord>(stateBucket, `${oldDir}/upload.json`);
    const reason = replacedReason(old?.value.rows ?? 0);
    const ended = old
      ? await endReplaced(
          { store, stateBucket, dir: oldDir, plan: old.value, source: old.value.source, resume: async () => {} },
          inv,
          correlation,
        )
      : undefined;
    return ended ?? { kind: 'notice', status: 'ignored', correlation, reason };
  }
  const key = roster?.key ?? uploadKey(object.bucket, object.name, info.md5);
  const dir = progressDir(key);
  const uploadName = `${dir}/upload.json`;
  const warnings: string[] = [];

  // The upload's record: created once (if-none-match), by whoever counted the rows first.
  let upload = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
  let created = false;
  if (!upload) {
    let rows = 0;
    for await (const _ of rowsOf()) rows += 1;
    const chunkRows = chunkRowsFor(rows, inv.config.UPLOAD_CHUNK_ROWS);
    const record: UploadRecord = {
      key,
      source,
      status: 'running',
      rows,
      chunkRows,
      chunks: Math.max(1, Math.ceil(rows / chunkRows)),
      round: 1,
      startedAt: new Date().toISOString(),
      callId: inv.callId,
    };
    const etag = await store.writeIf(stateBucket, uploadName, JSON.stringify(record), 'application/json', { ifNoneMatch: '*' });
    created = etag !== undefined;
    upload = etag ? { value: record, etag } : await store.readVersioned<UploadRecord>(stateBucket, uploadName);
    if (!upload) throw new OnboardingError(ErrorCode.Internal, 'The upload record vanished', { exposed: false });
    inv.log.info('upload counted', { object: object.name, format, rows, chunks: record.chunks, created });
  }
  if (upload.value.status === 'complete') {
    return {
      kind: 'notice',
      status: 'duplicate',
      correlation,
      reason: `this file (same name and content) was processed by call ${upload.value.callId}, finished at ${upload.value.finishedAt}`,
    };
  }
  // --- Roster hook: a held run delivered again stays held, writing nothing, until an approval is there.
  // A continuation of the run (a follower, a hand-off) never takes an approval up: the decision to hold
  // was taken after it was started, and only a delivery of the event decides again.
  let approvedHold: string | undefined;
  if (roster && upload.value.status === 'held') {
    const waiting = await stillHeld(roster, upload.value, store, { source, correlation, reportObjects }, { decidesAgain: !continued });
    if (waiting) return waiting;
    approvedHold = upload.etag;
  }
  // --- end of roster hook
  // A continuation that arrives after its run ended failed (a follower of the finisher, say) ends too: a
  // new round is for a delivery of the event, else the run would retry and publish again by itself.
  if (upload.value.status === 'failed' && continued) {
    const ended = `this run ended failed (call ${upload.value.callId}, ${upload.value.finishedAt ?? 'time unknown'})`;
    return { kind: 'notice', status: 'duplicate', correlation, reason: `${ended}; a delivery of the event retries its failed rows` };
  }
  // A delivery after a failed run retries its failed rows: a new round.
  if (upload.value.status === 'failed') {
    const next: UploadRecord = { ...upload.value, status: 'running', round: upload.value.round + 1, callId: inv.callId };
    const { finalizer: _f, finishedAt: _t, counts: _c, joined: _j, stopped: _s, ...reopened } = next;
    const etag = await store.writeIf(stateBucket, uploadName, JSON.stringify(reopened), 'application/json', { ifMatch: upload.etag });
    upload = etag ? { value: reopened, etag } : await store.readVersioned<UploadRecord>(stateBucket, uploadName);
    if (!upload) throw new OnboardingError(ErrorCode.Internal, 'The upload record vanished', { exposed: false });
  }
  const plan = upload.value;

  // Scale out: the first delivery starts the other invocations at once (bounded by UPLOAD_INVOCATIONS).
  const continuations = inv.services.continuations;
  let started = 0;
  const startContinuation = async (why: string) => {
    if (!continuations) return;
    try {
      await continuations.start(continuing(continuationEvent(event, roster), info.md5)); // roster hook: the run's day goes along
      started += 1;
      inv.log.info('continuation started', { why });
    } catch (error) {
      warnings.push(`a continuation could not be started (${toErrorReport(error).message}); a re-delivery of the event resumes`);
    }
  };
  known.run = { store, stateBucket, dir, plan, source, resume: startContinuation };
  if (created) {
    const others = Math.min(inv.config.UPLOAD_INVOCATIONS, plan.chunks) - 1;
    for (let i = 0; i < others; i += 1) await startContinuation('fan-out');
  }

  const shared = new SharedCache(onboardingContext(inv));
  const board = new ChunkBoard(store, stateBucket, dir, plan, inv);
  const visited = new Set<number>();
  const warn = (warning: string) => {
    inv.log.warn('bookkeeping', { warning });
    if (!warnings.includes(warning) && warnings.length < 10) warnings.push(warning);
  };
  const stopAt = stopAtOf(inv);
  // The next invocation starts a little before this one stops, so that it is up (waiting on this
  // one's lease) when the chunk is released; at most a quarter of the working time early, so that
  // short invocations do not chain faster than they work.
  let handedOff = false;
  const lead = Math.min(HANDOFF_LEAD_MS, (stopAt - Date.now()) / 4);
  const handOff = setTimeout(
    () => {
      handedOff = true;
      void startContinuation('hand-off');
    },
    Math.max(0, stopAt - lead - Date.now()),
  );
  let stoppedByDeadline = false;
  try {
    for (;;) {
      if (!batchOptions(inv).canStartAnother(0)) {
        stoppedByDeadline = true;
        break;
      }
      const found = await board.claim(visited);
      if (!found) break;
      if ('heldUntil' in found) {
        // Every open chunk is held: wait for one to be released (its owner stopped) or its lease to end (its owner died).
        await board.pause(found.heldUntil, stopAt);
        continue;
      }
      visited.add(found.claim.record.chunk);
      const outcome = await runChunk(found.claim, { store, stateBucket, dir, plan, inv, rowsOf, shared, warn });
      if (outcome === 'stopped') {
        stoppedByDeadline = true;
        break;
      }
    }
  } catch (error) {
    // Whatever this invocation held is free again when its lease ends: someone must be there to take it
    // (unless the file changed: then nobody may go on).
    clearTimeout(handOff);
    const changed = error instanceof OnboardingError && error.code === ErrorCode.SourceChanged;
    if (!handedOff && !changed) await startContinuation('error');
    throw error;
  }
  clearTimeout(handOff);

  const records = await board.all();
  const open = records.some(({ value }) => !board.isDone(value));
  if (open && !handedOff && (stoppedByDeadline || records.some(({ value }) => !board.isDone(value) && visited.has(value.chunk)))) {
    // Work is left that nobody else may be doing: hand it to the next invocation.
    await startContinuation(stoppedByDeadline ? 'deadline' : 'retry');
  }
  const counts = totals(records.map((r) => r.value));
  const failures = records.flatMap((r) => r.value.failures).slice(0, MAX_LISTED_FAILURES);
  const sharedSteps = mergeShared(records.map((r) => r.value));
  if (open) {
    const notStarted = plan.rows - counts.succeeded - counts.rejected - counts.unreadable - counts.failed;
    const report: BatchReport = {
      source,
      status: 'running',
      correlation,
      counts: { ...counts, notStarted },
      shared: sharedSteps,
      failures,
      notStarted: [],
      reportObjects,
      ...(warnings.length ? { warnings } : {}),
      invocations: started,
      finishedAt: new Date().toISOString(),
    };
    return { kind: 'batch', status: 'partial', correlation, report, final: false };
  }
  return finalize({
    store,
    stateBucket,
    dir,
    upload,
    records,
    inv,
    source,
    correlation,
    reportObjects,
    warnings,
    counts,
    failures,
    sharedSteps,
    roster,
    approvedHold,
    rowsOf,
    startContinuation,
  });
}

/** A dry run reads every row and plans it; nothing is written, not even progress. */
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
      if (row.status === RowStatus.DryRun) counts['dry-run'] += 1;
      else if (row.status === RowStatus.Rejected) counts.rejected += 1;
      else if (row.status === RowStatus.Failed) {
        counts.failed += 1;
        if (failures.length < MAX_LISTED_FAILURES) failures.push(failedRow(row, undefined));
      }
    },
  });
  const report: BatchReport = {
    source,
    status: run.stopped ? 'partial' : 'complete',
    correlation,
    counts: { ...counts, notStarted: 0 },
    shared: run.shared,
    failures,
    notStarted: [],
    finishedAt: new Date().toISOString(),
  };
  return { kind: 'batch', status: 'dry-run', correlation, report };
}
