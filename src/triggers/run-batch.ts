import { type BatchOutcome, type BatchRow, onboardBatch, type RowResult, RowStatus } from '../core/batch';
import { type BatchReport, type BatchSource, buildReport, reportCsv } from '../core/batch-report';
import { formatOf, isUnreadable, readHires } from '../core/hires-file';
import type { BatchResult, NoticeResult } from '../core/result';
import { ErrorCode, OnboardingError } from '../support/errors';
import { type Invocation, onboardingContext } from './invocation';
import { type Marker, readMarker, writeMarker } from './markers';

/** Time kept back at the end of a batch to write its reports, its marker and its summary. */
const REPORT_RESERVE_MS = 2000;

function batchOptions(inv: Invocation) {
  const stopAt = inv.deadline - inv.config.PUBLISH_RESERVE_MS - REPORT_RESERVE_MS;
  return {
    throttle: inv.throttle,
    // Start another hire only if one more of average length still ends in time.
    canStartAnother: (averageRowMs: number) => Date.now() + Math.max(averageRowMs, 100) * 1.5 < stopAt,
  };
}

function statusOf(report: BatchReport, dryRun: boolean): BatchResult['status'] {
  if (dryRun) return 'dry-run';
  if (report.status === 'partial') return 'partial';
  return report.counts.failed > 0 ? 'failed' : 'complete';
}

/** A batch given in the request itself (a JSON array): rows are numbered from 1. */
export async function runRows(rows: readonly unknown[], inv: Invocation, eventId: string | undefined): Promise<BatchResult> {
  const outcome = await onboardBatch(
    rows.map((input, i) => ({ line: i + 1, input })),
    onboardingContext(inv),
    batchOptions(inv),
  );
  const report = buildReport({ bucket: '(request)', object: '(request body)', md5: '' }, outcome, [], { callId: inv.callId, eventId });
  return { kind: 'batch', status: statusOf(report, inv.dryRun), correlation: report.correlation, report };
}

/**
 * A file of hires uploaded to Object Storage: read as a stream, each row validated on its own, the
 * good rows onboarded, a report written beside the upload, and a marker that makes a second delivery
 * of the event (or the same file uploaded again) write nothing. A batch cut short by the deadline
 * marks what it did, and a re-run does the rest.
 */
export async function runUpload(
  object: { namespace: string; bucket: string; name: string },
  inv: Invocation,
  eventId: string | undefined,
): Promise<BatchResult | NoticeResult> {
  const store = inv.services.objectsIn(object.namespace);
  const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
  const info = await store.head(object.bucket, object.name);
  if (!info) return { kind: 'notice', status: 'ignored', correlation, reason: `${object.name} no longer exists` };
  if (info.size > inv.config.MAX_UPLOAD_BYTES) {
    throw new OnboardingError(
      ErrorCode.InvalidEvent,
      `${object.name} is ${info.size} bytes; at most ${inv.config.MAX_UPLOAD_BYTES} are read`,
    );
  }
  const format = formatOf(object.name, info.contentType);
  if (!format) return { kind: 'notice', status: 'ignored', correlation, reason: `${object.name} is not .csv, .json, .ndjson or .jsonl` };

  const stateBucket = inv.config.STATE_BUCKET ?? object.bucket;
  const key = `upload:${object.bucket}/${object.name}#${info.md5}`;
  const marker = await readMarker(store, stateBucket, key);
  if (marker?.status === 'complete') {
    return {
      kind: 'notice',
      status: 'duplicate',
      correlation,
      reason: `this file (same name and content) was processed by call ${marker.callId} at ${marker.at}`,
    };
  }
  // Rows settled by an earlier, partial run are not done again; failed ones are retried.
  const earlier = marker?.rows ?? [];
  const settled = new Set(earlier.filter((r) => r.status === RowStatus.Succeeded || r.status === RowStatus.Rejected).map((r) => r.line));

  const rows: BatchRow[] = [];
  const unreadable: RowResult[] = [];
  for await (const row of readHires(format, store.readBytes(object.bucket, object.name), { maxBytes: inv.config.MAX_UPLOAD_BYTES })) {
    if (settled.has(row.line)) continue;
    if (isUnreadable(row)) {
      unreadable.push({
        line: row.line,
        status: RowStatus.Rejected,
        steps: [],
        errors: [{ code: ErrorCode.UnreadableRow, message: 'The row could not be read', problems: row.problems }],
      });
    } else rows.push(row);
  }
  inv.log.info('upload read', {
    object: object.name,
    format,
    rows: rows.length,
    unreadable: unreadable.length,
    settledEarlier: settled.size,
  });

  const outcome: BatchOutcome = await onboardBatch(rows, onboardingContext(inv), batchOptions(inv));
  const withUnreadable = { ...outcome, rows: [...outcome.rows, ...unreadable] };
  const source: BatchSource = { bucket: object.bucket, object: object.name, md5: info.md5 };
  const reportObjects = { json: `${object.name}.report.json`, csv: `${object.name}.report.csv` };
  const report = buildReport(source, withUnreadable, earlier, { callId: inv.callId, eventId, ...(inv.dryRun ? {} : { reportObjects }) });

  if (!inv.dryRun) {
    await store.write(object.bucket, reportObjects.json, JSON.stringify(report, null, 2), 'application/json');
    await store.write(object.bucket, reportObjects.csv, reportCsv(report), 'text/csv; charset=utf-8');
    const next: Marker = { key, status: report.status, at: new Date().toISOString(), callId: inv.callId, rows: report.rows };
    await writeMarker(store, stateBucket, next);
  }
  return { kind: 'batch', status: statusOf(report, inv.dryRun), correlation, report };
}
