import type { BatchReport } from '../core/batch-report';
import { type FileRow, formatOf, readHires, type UnreadableRow } from '../core/hires-file';
import type { ObjectStore, Versioned, WorkQueue } from '../core/ports';
import type { BatchResult, NoticeResult } from '../core/response';
import { recordName, reportNames } from '../core/run-objects';
import { isUnfinished, Status } from '../core/status';
import type { RunRecord } from '../core/upload-run';
import { ErrorCode, OnboardingError } from '../support/errors';
import type { Invocation } from './invocation';
import { onRunDay, type RosterRun, rosterRunFromRecord } from './run-roster';

/** Everything a job of a run (a chunk, the finish) works with, decided once per invocation. */
export interface RunContext {
  /** The invocation, on the run's day for a roster. */
  readonly inv: Invocation;
  readonly queue: WorkQueue;
  /** Object Storage in the upload's namespace: the file, the reports, and STATE_BUCKET. */
  readonly store: ObjectStore;
  readonly stateBucket: string;
  readonly runId: string;
  readonly roster: RosterRun | undefined;
  /** The run's rows, every read pinned to the version of the file this invocation looked at. */
  readonly rowsOf: () => AsyncIterable<FileRow | UnreadableRow>;
  readonly correlation: BatchReport['correlation'];
  readonly reportObjects: { readonly json: string; readonly csv: string };
  /** Bookkeeping that went wrong in this invocation (a worker not started): said beside the outcome, which stands. */
  readonly warnings: string[];
  /** The run's record as stored now (read again: another invocation may have changed it). */
  readRecord(): Promise<Versioned<RunRecord> | undefined>;
  /** Writes the record if it is still `etag`; the new ETag, or undefined when another invocation changed it first. */
  writeRecord(record: RunRecord, etag: string): Promise<string | undefined>;
}

/** The queue the engine needs, or a clear INVALID_CONFIG. */
export function queueOf(inv: Invocation): WorkQueue {
  const queue = inv.services.queue;
  if (!queue)
    throw new OnboardingError(
      ErrorCode.InvalidConfig,
      'Uploads run on OCI Queue: set QUEUE_ID and QUEUE_ENDPOINT (the queue and its messages endpoint) in the function configuration',
    );
  return queue;
}

/** The run's record by id, from STATE_BUCKET (or the upload bucket without one). */
export async function readRunRecord(store: ObjectStore, stateBucket: string, runId: string) {
  return store.readVersioned<RunRecord>(stateBucket, recordName(runId));
}

/**
 * Opens a run for work: the file must still hold the run's content (its MD5), else the answer is
 * `replaced`; every read is then pinned (if-match) to the version seen here. The same bytes written
 * again meanwhile (a new ETag, the same MD5) are the same rows: a refused read is pinned to the new
 * version and goes on. (An upload in parts has a multipart MD5 of its own: taken for other content.)
 */
export async function openRun(
  inv: Invocation,
  record: RunRecord,
  correlation: BatchReport['correlation'],
): Promise<{ kind: 'open'; ctx: RunContext } | { kind: 'replaced' | 'gone'; ctx: RunContext }> {
  const queue = queueOf(inv);
  const store = inv.services.objectsIn(record.namespace);
  const stateBucket = inv.config.STATE_BUCKET ?? record.source.bucket;
  const { bucket, object } = record.source;
  const info = await store.head(bucket, object);
  const format = formatOf(object, record.contentType ?? info?.contentType) ?? 'csv';
  let pinned = info?.etag;
  const md5 = record.source.md5;
  async function* readPinned(): AsyncGenerator<Uint8Array> {
    let opened = false;
    try {
      for await (const bytes of store.readBytes(bucket, object, pinned ? { ifMatch: pinned } : {})) {
        opened = true;
        yield bytes;
      }
    } catch (error) {
      // A version mismatch is answered when the GET is made, before any byte: nothing was read yet.
      if (opened || !(error instanceof OnboardingError && error.code === ErrorCode.SourceChanged)) throw error;
      const now = await store.head(bucket, object);
      if (!now || now.md5 !== md5) throw error;
      inv.log.info('upload written again with the same content; reading the new version', { object });
      pinned = now.etag;
      yield* store.readBytes(bucket, object, { ifMatch: pinned });
    }
  }
  const roster = rosterRunFromRecord(record, inv);
  const ctx: RunContext = {
    inv: onRunDay(inv, roster),
    queue,
    store,
    stateBucket,
    runId: record.id,
    roster,
    rowsOf: () => readHires(format, readPinned(), { maxBytes: inv.config.MAX_UPLOAD_BYTES }),
    correlation,
    reportObjects: reportNames(object),
    warnings: [],
    readRecord: () => readRunRecord(store, stateBucket, record.id),
    writeRecord: (next, etag) =>
      store.writeIf(stateBucket, recordName(record.id), JSON.stringify(next), 'application/json', { ifMatch: etag }),
  };
  if (!info) return { kind: 'gone', ctx };
  return { kind: info.md5 === md5 ? 'open' : 'replaced', ctx };
}

/**
 * An answer of a job that did part of a run while others go on: published by nobody. It and its report
 * say the run record's word (`planning`, `running` or `finishing`), as the record does.
 */
export function partialAnswer(ctx: RunContext, record: RunRecord, report: Partial<BatchReport> = {}): BatchResult {
  const status = isUnfinished(record.status) ? record.status : Status.Running;
  const full: BatchReport = {
    source: record.source,
    status,
    correlation: ctx.correlation,
    counts: { succeeded: 0, failed: 0, rejected: 0, unreadable: 0, notStarted: 0 },
    shared: [],
    failures: [],
    notStarted: [],
    reportObjects: ctx.reportObjects,
    finishedAt: new Date().toISOString(),
    ...(ctx.warnings.length ? { warnings: [...ctx.warnings] } : {}),
    ...report,
  };
  return { kind: 'batch', status, correlation: ctx.correlation, report: full, final: false };
}

export const notice = (ctx: Pick<RunContext, 'correlation'>, status: NoticeResult['status'], reason: string): NoticeResult => ({
  kind: 'notice',
  status,
  correlation: ctx.correlation,
  reason,
});
