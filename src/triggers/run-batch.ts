import { onboardRows, peopleOf, type RowResult } from '../core/batch';
import type { BatchReport } from '../core/batch-report';
import type { BatchResult } from '../core/response';
import { Status } from '../core/status';
import { type Invocation, onboardingContext } from './invocation';

/** Time kept back at the end of a batch to write its reports, its progress and its summary. */
export const REPORT_RESERVE_MS = 2000;

/** When an invocation stops starting work, keeping the reserves for its reports and its summary (epoch ms). */
export const stopAtOf = (inv: Invocation) => inv.deadline - inv.config.PUBLISH_RESERVE_MS - REPORT_RESERVE_MS;

/** Start another hire only if one more of average length still ends before the reserve. */
export function batchOptions(inv: Invocation) {
  const stopAt = stopAtOf(inv);
  return {
    throttle: inv.throttle,
    canStartAnother: (averageRowMs: number) => inv.clock.now() + Math.max(averageRowMs, 100) * 1.5 < stopAt,
  };
}

/** A batch given in the request itself (a JSON array, at most 6 MB): rows are numbered from 1. */
export async function runRows(rows: readonly unknown[], inv: Invocation, eventId: string | undefined): Promise<BatchResult> {
  const settled: RowResult[] = [];
  inv.services.directory.expectPeople?.(peopleOf(rows));
  const run = await onboardRows(
    rows.map((input, i) => ({ line: i + 1, input })),
    onboardingContext(inv),
    { ...batchOptions(inv), onSettled: (row) => void settled.push(row) },
  );
  settled.sort((a, b) => a.line - b.line);
  const done = new Set(settled.map((r) => r.line));
  const notStarted = rows.map((_, i) => i + 1).filter((line) => !done.has(line));
  const count = (status: RowResult['status']) => settled.filter((r) => r.status === status).length;
  const failed = count(Status.Failed);
  const status = notStarted.length > 0 ? Status.Partial : failed > 0 ? Status.Failed : Status.Complete;
  const correlation = { callId: inv.callId, ...(eventId ? { eventId } : {}) };
  const report: BatchReport = {
    source: { bucket: '(request)', object: '(request body)', md5: '' },
    status,
    correlation,
    counts: {
      // A stale row is done (nothing was left to do); its line says `stale`.
      succeeded: count(Status.Succeeded) + count(Status.Stale),
      failed,
      rejected: count(Status.Rejected),
      unreadable: 0,
      notStarted: notStarted.length,
      ...(inv.dryRun ? { 'dry-run': count(Status.DryRun) } : {}),
    },
    shared: run.shared,
    rows: settled,
    failures: [],
    notStarted,
    finishedAt: new Date(inv.clock.now()).toISOString(),
  };
  return { kind: 'batch', status: inv.dryRun ? Status.DryRun : status, correlation, report };
}
