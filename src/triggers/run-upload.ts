import { createHash } from 'node:crypto';
import { type BatchRow, onboardRows, type RowResult, RowStatus, SharedCache } from '../core/batch';
import { type BatchReport, failedCsvLine, MAX_LISTED_FAILURES, REPORT_CSV_HEADER, reportCsvLine } from '../core/batch-report';
import { type FileRow, formatOf, isUnreadable, readHires, type UnreadableRow } from '../core/hires-file';
import type { ObjectStore } from '../core/ports';
import type { BatchResult, NoticeResult, StepResult } from '../core/result';
import { rosterProgress } from '../core/roster';
import {
  type ChunkRecord,
  chunkDone,
  chunkRowsFor,
  claimable,
  emptyChunk,
  type FailedRow,
  failedRow,
  LineRanges,
  shouldRetry,
  totals,
  type UploadRecord,
} from '../core/upload-progress';
import { ErrorCode, OnboardingError, toErrorReport } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';
import { batchOptions } from './run-batch';
import { onRunDay, type RosterRun, rosterHandOff, rosterPhase, rosterRunOf, stillHeld } from './run-roster';

/** A chunk's settled rows go to a report part and its record this often (rows, or milliseconds). */
const CHECKPOINT_ROWS = 250;
const CHECKPOINT_MS = 5000;

interface UploadObject {
  readonly namespace: string;
  readonly bucket: string;
  readonly name: string;
}

/** Where an upload's progress lives in the state bucket. */
const progressDir = (key: string) => `.onboarding/uploads/${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
const chunkName = (dir: string, chunk: number) => `${dir}/chunk-${String(chunk).padStart(5, '0')}.json`;
const partName = (dir: string, chunk: number, part: number) =>
  `${dir}/rows/${String(chunk).padStart(5, '0')}-${String(part).padStart(5, '0')}.csv`;

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
  const format = formatOf(object.name, info.contentType);
  if (!format) return { kind: 'notice', status: 'ignored', correlation, reason: `${object.name} is not .csv, .json, .ndjson or .jsonl` };
  const rowsOf = () => readHires(format, store.readBytes(object.bucket, object.name), { maxBytes: inv.config.MAX_UPLOAD_BYTES });
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
  const key = roster?.key ?? `upload:${object.bucket}/${object.name}#${info.md5}`;
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
  if (roster && upload.value.status === 'held') {
    const waiting = await stillHeld(roster, upload.value, store, { source, correlation, reportObjects });
    if (waiting) return waiting;
  }
  // --- end of roster hook
  // A delivery after a failed run retries its failed rows: a new round.
  if (upload.value.status === 'failed') {
    const next: UploadRecord = { ...upload.value, status: 'running', round: upload.value.round + 1, callId: inv.callId };
    const { finalizer: _f, finishedAt: _t, counts: _c, ...reopened } = next;
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
      await continuations.start(event);
      started += 1;
      inv.log.info('continuation started', { why });
    } catch (error) {
      warnings.push(`a continuation could not be started (${toErrorReport(error).message}); a re-delivery of the event resumes`);
    }
  };
  if (created) {
    const others = Math.min(inv.config.UPLOAD_INVOCATIONS, plan.chunks) - 1;
    for (let i = 0; i < others; i += 1) await startContinuation('fan-out');
  }

  const shared = new SharedCache(onboardingContext(inv));
  const visited = new Set<number>();
  let stoppedByDeadline = false;
  for (;;) {
    if (!batchOptions(inv).canStartAnother(0)) {
      stoppedByDeadline = true;
      break;
    }
    const claim = await claimChunk(store, stateBucket, dir, plan, inv, visited);
    if (!claim) break;
    visited.add(claim.record.chunk);
    const warn = (warning: string) => {
      inv.log.warn('bookkeeping', { warning });
      if (!warnings.includes(warning) && warnings.length < 10) warnings.push(warning);
    };
    const outcome = await runChunk(claim, { store, stateBucket, dir, plan, inv, rowsOf, shared, warn });
    if (outcome === 'stopped') {
      stoppedByDeadline = true;
      break;
    }
  }

  const records = await readChunks(store, stateBucket, dir, plan);
  const open = records.some(({ value }) => !isDone(value, plan));
  if (open && (stoppedByDeadline || records.some(({ value }) => !isDone(value, plan) && visited.has(value.chunk)))) {
    // Work is left that nobody else may be doing: hand it to the next invocation.
    await startContinuation(stoppedByDeadline ? 'deadline' : 'retry');
  }
  const counts = totals(records.map((r) => r.value));
  const failures = records.flatMap((r) => r.value.failed).slice(0, MAX_LISTED_FAILURES);
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
    rowsOf,
    startContinuation,
  });
}

const isDone = (record: ChunkRecord, plan: UploadRecord) =>
  record.status === 'done' && (record.round === plan.round || record.failed.length === 0);

interface Versioned<T> {
  value: T;
  etag: string | undefined;
}

async function readChunks(store: ObjectStore, bucket: string, dir: string, plan: UploadRecord): Promise<Versioned<ChunkRecord>[]> {
  const out: Versioned<ChunkRecord>[] = [];
  for (let chunk = 0; chunk < plan.chunks; chunk += 1) {
    const found = await store.readVersioned<ChunkRecord>(bucket, chunkName(dir, chunk));
    out.push(found ?? { value: emptyChunk(chunk, plan.round), etag: undefined });
  }
  return out;
}

/** Claims the first chunk that is open and not owned by a live invocation, with a conditional write. */
async function claimChunk(
  store: ObjectStore,
  bucket: string,
  dir: string,
  plan: UploadRecord,
  inv: Invocation,
  visited: ReadonlySet<number>,
): Promise<{ record: ChunkRecord; etag: string; reDelivery: boolean } | undefined> {
  const now = Date.now();
  for (const { value, etag } of await readChunks(store, bucket, dir, plan)) {
    if (visited.has(value.chunk) || isDone(value, plan)) continue;
    const reopened = value.round < plan.round;
    if (!reopened && !claimable(value, now)) continue;
    const claimed: ChunkRecord = {
      ...value,
      // A new round (a re-delivery after a failed run) gives every failed row its tries again.
      failed: reopened ? value.failed.map((f) => ({ ...f, attempts: 0 })) : value.failed,
      status: 'open',
      round: plan.round,
      owner: { callId: inv.callId, until: inv.deadline },
      invocations: value.invocations + 1,
    };
    const next = await store.writeIf(
      bucket,
      chunkName(dir, value.chunk),
      JSON.stringify(claimed),
      'application/json',
      etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
    );
    // Lost the race: another invocation claimed it a moment ago; try the next chunk.
    if (next) return { record: claimed, etag: next, reDelivery: reopened };
  }
  return undefined;
}

interface ChunkContext {
  readonly store: ObjectStore;
  readonly stateBucket: string;
  readonly dir: string;
  readonly plan: UploadRecord;
  readonly inv: Invocation;
  readonly rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
  readonly shared: SharedCache;
  /** Records a bookkeeping problem, reported beside the outcome. */
  readonly warn: (warning: string) => void;
}

/**
 * Onboards one chunk's rows that are not settled yet. Settled rows go to a report part and the
 * chunk's record every CHECKPOINT_ROWS rows or CHECKPOINT_MS: a process killed meanwhile loses only
 * unrecorded rows, which the next owner redoes (every step looks up first, so nothing is created twice).
 */
async function runChunk(
  claim: { record: ChunkRecord; etag: string; reDelivery: boolean },
  ctx: ChunkContext,
): Promise<'done' | 'stopped' | 'lost'> {
  const { store, stateBucket, dir, plan, inv } = ctx;
  let { record, etag } = claim;
  const ranges = new LineRanges(record.settled);
  const failed = new Map<number, FailedRow>(record.failed.map((f) => [f.line, f]));
  const retry = new Set(record.failed.filter((f) => shouldRetry(f, claim.reDelivery)).map((f) => f.line));
  const previous = new Map<number, number | undefined>();
  const counts = { ...record.counts };
  /** Report lines of settled rows not yet written: at most CHECKPOINT_ROWS plus the rows in flight. */
  let buffer: { line: number; text: string }[] = [];
  let lastCheckpoint = Date.now();
  let pending = false;
  let lost = false;
  let seenAll = false;
  let lock: Promise<void> = Promise.resolve();

  const checkpoint = (final: 'done' | 'open' | undefined) => {
    const step = lock.then(async () => {
      if (lost) return;
      // One snapshot: the lines in this part are exactly the settled ranges added since the last one.
      const lines = buffer.sort((a, b) => a.line - b.line);
      buffer = [];
      const settledNow = ranges.ranges;
      const failedNow = [...failed.values()].sort((a, b) => a.line - b.line);
      const countsNow = { ...counts };
      const parts = lines.length > 0 ? record.parts + 1 : record.parts;
      const text = lines.map((l) => l.text).join('');
      try {
        if (lines.length > 0) await store.write(stateBucket, partName(dir, record.chunk, parts), text, 'text/csv; charset=utf-8');
      } catch (error) {
        // Bookkeeping only: the rows stay settled in IAM; their lines wait for the next checkpoint.
        buffer = [...lines, ...buffer];
        ctx.warn(`a report part could not be written (${toErrorReport(error).message}); kept for the next checkpoint`);
        return;
      }
      const { owner: _owner, ...rest } = record;
      const next: ChunkRecord = {
        ...rest,
        status: final ?? 'open',
        settled: settledNow,
        failed: failedNow,
        counts: countsNow,
        parts,
        shared: mergeShared([record, { shared: ctx.shared.steps() }]),
        ...(final ? {} : { owner: record.owner }),
      } as ChunkRecord;
      let written: string | undefined;
      try {
        written = await store.writeIf(stateBucket, chunkName(dir, record.chunk), JSON.stringify(next), 'application/json', {
          ifMatch: etag,
        });
      } catch (error) {
        // The part is written but not recorded: the next checkpoint (or owner) writes this part again.
        buffer = [...lines, ...buffer];
        ctx.warn(
          `the chunk's progress could not be written (${toErrorReport(error).message}); its rows are redone if this invocation stops first`,
        );
        return;
      }
      if (!written) {
        // Another invocation owns the chunk now (this one outlived its lease): stop at once.
        lost = true;
        inv.log.warn('chunk lost to another invocation', { chunk: record.chunk });
        return;
      }
      record = next;
      etag = written;
      lastCheckpoint = Date.now();
    });
    lock = step
      .catch(() => undefined)
      .finally(() => {
        pending = false;
      });
    return step;
  };

  const onSettled = async (row: RowResult) => {
    const before = previous.get(row.line);
    previous.delete(row.line);
    if (row.status === RowStatus.Failed) {
      failed.set(row.line, failedRow(row, failed.get(row.line)));
    } else {
      failed.delete(row.line);
      if (row.status === RowStatus.Rejected && row.errors[0]?.code === ErrorCode.UnreadableRow) counts.unreadable += 1;
      else if (row.status === RowStatus.Rejected) counts.rejected += 1;
      else counts.succeeded += 1;
      ranges.add(row.line, before);
      buffer.push({ line: row.line, text: reportCsvLine(row) });
    }
    if (!pending && (buffer.length >= CHECKPOINT_ROWS || Date.now() - lastCheckpoint >= CHECKPOINT_MS)) {
      pending = true;
      await checkpoint(undefined);
    }
  };

  const first = record.chunk * plan.chunkRows;
  const end = first + plan.chunkRows;
  async function* rows(): AsyncGenerator<BatchRow> {
    let ordinal = -1;
    let before: number | undefined;
    for await (const row of ctx.rowsOf()) {
      ordinal += 1;
      const prior = before;
      before = row.line;
      if (ordinal < first) continue;
      if (ordinal >= end) break;
      if (ranges.has(row.line) || (failed.has(row.line) && !retry.has(row.line))) continue;
      previous.set(row.line, prior);
      if (isUnreadable(row)) {
        await onSettled({
          line: row.line,
          status: RowStatus.Rejected,
          steps: [],
          errors: [{ code: ErrorCode.UnreadableRow, message: 'The row could not be read', problems: row.problems }],
        });
        continue;
      }
      yield row;
    }
    seenAll = true;
  }

  const options = batchOptions(inv);
  const run = await onboardRows(rows(), onboardingContext(inv), {
    ...options,
    canStartAnother: (average) => !lost && options.canStartAnother(average),
    onSettled,
    shared: ctx.shared,
  });
  if (lost) return 'lost';
  const done = !run.stopped && seenAll && chunkDone({ failed: [...failed.values()] }, true);
  await checkpoint(done ? 'done' : 'open');
  inv.log.info('chunk', { chunk: record.chunk, done, counts, failed: failed.size, stopped: run.stopped });
  if (lost) return 'lost';
  return run.stopped ? 'stopped' : 'done';
}

/** Group and policy steps worth reporting: what changed or failed, the latest per target. */
function mergeShared(records: readonly { shared: readonly StepResult[] }[]): StepResult[] {
  const byTarget = new Map<string, StepResult>();
  for (const r of records)
    for (const step of r.shared) {
      if (step.outcome === 'unchanged' && !byTarget.has(`${step.step}:${step.target}`)) continue;
      const known = byTarget.get(`${step.step}:${step.target}`);
      // A creation stays on record even when a later look-up finds the group unchanged.
      if (known && (known.outcome === 'created' || known.outcome === 'updated') && step.outcome !== 'failed') continue;
      byTarget.set(`${step.step}:${step.target}`, step);
    }
  return [...byTarget.values()].filter((s) => s.outcome !== 'unchanged');
}

/** The last chunk is settled: one invocation (conditional write) joins the report and publishes. */
async function finalize(args: {
  store: ObjectStore;
  stateBucket: string;
  dir: string;
  upload: { value: UploadRecord; etag: string };
  records: readonly Versioned<ChunkRecord>[];
  inv: Invocation;
  source: BatchReport['source'];
  correlation: BatchReport['correlation'];
  reportObjects: { json: string; csv: string };
  warnings: string[];
  counts: ReturnType<typeof totals>;
  failures: readonly FailedRow[];
  sharedSteps: readonly StepResult[];
  roster: RosterRun | undefined;
  rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
  startContinuation: (why: string) => Promise<void>;
}): Promise<BatchResult | NoticeResult> {
  const { store, stateBucket, dir, inv, source, correlation, reportObjects, warnings, counts } = args;
  const uploadName = `${dir}/upload.json`;
  const current = await store.readVersioned<UploadRecord>(stateBucket, uploadName);
  if (!current || current.value.status === 'complete' || current.value.status === 'failed')
    return { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation finished this upload' };
  if (current.value.status === 'finalizing' && (current.value.finalizer?.until ?? 0) > Date.now())
    return { kind: 'notice', status: 'duplicate', correlation, reason: `call ${current.value.finalizer?.callId} is finishing this upload` };
  const finalizing: UploadRecord = { ...current.value, status: 'finalizing', finalizer: { callId: inv.callId, until: inv.deadline } };
  let etag = await store.writeIf(stateBucket, uploadName, JSON.stringify(finalizing), 'application/json', { ifMatch: current.etag });
  if (!etag) return { kind: 'notice', status: 'duplicate', correlation, reason: 'another invocation is finishing this upload' };

  // --- Roster hook (run-roster.ts): the leaver phase, once, now that every row is settled.
  const rostered = args.roster ? await rosterPhase({ run: args.roster, inv, store, rowsOf: args.rowsOf }) : undefined;
  if (rostered?.kind === 'unfinished') {
    return rosterHandOff({
      outcome: rostered,
      store,
      bucket: stateBucket,
      name: uploadName,
      record: finalizing,
      etag,
      startContinuation: args.startContinuation,
      report: {
        source,
        correlation,
        counts: { ...counts, notStarted: 0 },
        shared: args.sharedSteps,
        failures: args.failures,
        notStarted: [],
        reportObjects,
        finishedAt: new Date().toISOString(),
        ...(warnings.length ? { warnings } : {}),
      },
      warn: (warning) => warnings.push(warning),
    });
  }
  const leaversFailed = (rostered?.summary.counts.failed ?? 0) > 0;
  const status: BatchReport['status'] = counts.failed > 0 || leaversFailed ? 'failed' : rostered?.kind === 'held' ? 'held' : 'complete';
  // --- end of roster hook
  const report: BatchReport = {
    source,
    status,
    correlation,
    counts: { ...counts, notStarted: 0 },
    shared: args.sharedSteps,
    failures: args.failures,
    notStarted: [],
    reportObjects,
    invocations: args.records.reduce((n, r) => n + r.value.invocations, 0),
    ...(rostered ? { roster: rostered.summary } : {}),
    finishedAt: new Date().toISOString(),
  };
  // Bookkeeping: the reports. If they cannot be written the outcome stands, with a warning.
  try {
    const header = `${dir}/rows/header.csv`;
    const tail = `${dir}/rows/failed.csv`;
    await store.write(stateBucket, header, REPORT_CSV_HEADER, 'text/csv; charset=utf-8');
    await store.write(
      stateBucket,
      tail,
      args.records.flatMap((r) => r.value.failed.map(failedCsvLine)).join(''),
      'text/csv; charset=utf-8',
    );
    const parts = args.records.flatMap(({ value }) =>
      Array.from({ length: value.parts }, (_, i) => ({ bucket: stateBucket, name: partName(dir, value.chunk, i + 1) })),
    );
    await store.compose(
      source.bucket,
      reportObjects.csv,
      [{ bucket: stateBucket, name: header }, ...parts, { bucket: stateBucket, name: tail }],
      'text/csv; charset=utf-8',
    );
    await store.write(source.bucket, reportObjects.json, JSON.stringify(report, null, 2), 'application/json');
  } catch (error) {
    warnings.push(`the report could not be written: ${toErrorReport(error).message}`);
  }
  const done: UploadRecord = {
    ...finalizing,
    status: status === 'complete' || status === 'held' ? status : 'failed',
    finishedAt: report.finishedAt,
    counts,
    callId: inv.callId,
    ...(rostered ? { roster: rosterProgress(rostered.summary, rostered.kind === 'held' ? 'held' : 'done') } : {}),
  };
  const { finalizer: _f, ...record } = done;
  etag = await store
    .writeIf(stateBucket, uploadName, JSON.stringify(record), 'application/json', { ifMatch: etag })
    .catch((error: unknown) => {
      warnings.push(`the upload's progress could not be marked finished: ${toErrorReport(error).message}`);
      return undefined;
    });
  const final = { ...report, ...(warnings.length ? { warnings } : {}) };
  const answer = final.status === 'complete' || final.status === 'held' ? final.status : 'failed';
  return { kind: 'batch', status: answer, correlation, report: final, final: true };
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
