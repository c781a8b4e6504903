import type { ErrorReport } from '../support/errors';
import type { RowResult } from './batch';
import { MAX_MESSAGE_BYTES } from './report';
import type { StepResult } from './result';
import { type LeaverResult, MAX_LISTED_LEAVERS, type RosterSummary } from './roster';
import { type BatchStatus, Status } from './status';
import type { BatchSource, FailedRow, UploadCounts } from './upload-run';
import { rowWrites } from './writes';

/**
 * The report of a batch, bounded whatever its size: counts, the shared steps, the first failures,
 * where the full per-row report is. `rows` is there only for a batch given in the request itself
 * (bounded by the 6 MB body); an upload's rows are in its report objects.
 */
export interface BatchReport {
  readonly source: BatchSource;
  /**
   * What status.ts says of a batch: `planning`, `running` or `finishing` (an upload's run record's word:
   * other invocations are still at it, and its last one publishes the summary), `held`, `complete`,
   * `partial` or `failed`.
   */
  readonly status: BatchStatus;
  /** Why the run ended before every row was done (an upload whose file was replaced meanwhile). */
  readonly stopped?: string;
  readonly correlation: { readonly callId: string; readonly eventId?: string };
  readonly counts: UploadCounts & { readonly notStarted: number; readonly 'dry-run'?: number };
  readonly shared: readonly StepResult[];
  readonly rows?: readonly RowResult[];
  /** The first failed rows (at most MAX_LISTED_FAILURES); every one is in the report objects. */
  readonly failures: readonly FailedRow[];
  /** The first lines not started (at most MAX_LISTED_FAILURES). */
  readonly notStarted: readonly number[];
  readonly reportObjects?: { readonly json: string; readonly csv: string };
  /** Bookkeeping that could not be written: the outcome above still stands. */
  readonly warnings?: readonly string[];
  readonly invocations?: number;
  /** A roster upload: its leavers (at most MAX_LISTED_LEAVERS listed) and the breaker's decision. */
  readonly roster?: RosterSummary;
  readonly finishedAt: string;
}

export const MAX_LISTED_FAILURES = 50;

/**
 * The per-row report's columns. `writes` is how many IAM write requests the row made, over every
 * attempt (also a failed one); `detail` names each of them after the row's problems. Their sum, with the
 * group and policy writes of the JSON report's `shared`, is every IAM write of the run.
 */
export const REPORT_CSV_HEADER = 'line,status,employeeId,userName,userId,writes,detail\r\n';

const csvCell = (value: string | undefined) => {
  const text = value ?? '';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

function detail(row: RowResult): string {
  const problems = row.errors.flatMap((e: ErrorReport) =>
    e.problems?.length ? e.problems.map((p) => `${p.path}: ${p.message}`) : [e.message],
  );
  // A failed step says its code before its reason, as a failed row's line always has (failedCsvLine).
  const failed = row.steps
    .filter((s) => s.outcome === 'failed')
    .map((s) => `${s.step} ${s.target}: ${s.error?.code ? `${s.error.code} ` : ''}${s.reason ?? ''}`);
  return [...problems, ...failed, ...rowWrites(row)].join('; ');
}

const csvLine = (cells: readonly (string | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

/** One line of the per-row report, for people. */
export function reportCsvLine(row: RowResult): string {
  return csvLine([String(row.line), row.status, row.employeeId, row.userName, row.userId, String(rowWrites(row).length), detail(row)]);
}

/** One line for a row that is still failed when the report is joined: why, then every write it made. */
export function failedCsvLine(row: FailedRow): string {
  const where = row.error.step ? `${row.error.step} ${row.error.target ?? ''}: ` : '';
  const why = `${where}${row.error.code} ${row.error.message}${row.retryable ? ' (passing; a re-delivery retries it)' : ''}`;
  const writes = row.writes ?? [];
  return csvLine([
    String(row.line),
    Status.Failed,
    row.employeeId,
    row.userName,
    row.userId,
    String(writes.length),
    [why, ...writes].join('; '),
  ]);
}

/** The whole per-row report of a small batch (a request body). */
export function reportCsv(rows: readonly RowResult[]): string {
  return REPORT_CSV_HEADER + rows.map(reportCsvLine).join('');
}

const leaverLine = (l: LeaverResult) => {
  const changed = l.steps
    .filter((s) => s.outcome !== 'unchanged' && s.outcome !== 'skipped')
    .map((s) => `${s.outcome} ${s.step} ${s.target}`);
  const failed = l.steps.filter((s) => s.outcome === 'failed').map((s) => `${s.step} ${s.target}: ${s.reason ?? ''}`);
  return `  ${l.status} ${l.employeeId} ${l.userName}${failed.length ? `: ${failed.join('; ')}` : changed.length ? `: ${changed.join('; ')}` : ''}`.slice(
    0,
    500,
  );
};

/**
 * The roster part of the summary: the run, its leaver counts, the breaker's decision and, when held,
 * exactly what to write to approve it. Bounded: a sample of ten, at most MAX_LISTED_LEAVERS lines.
 */
export function rosterLines(roster: RosterSummary): string[] {
  const c = roster.counts;
  const b = roster.breaker;
  const lines = [
    `Roster run ${roster.runId} (day ${roster.day}): ${c.leavers} leaver(s): left ${c.left}, unchanged ${c.unchanged}, failed ${c.failed}, held ${c.held}${c.dryRun ? `, dry run ${c.dryRun}` : ''}${c.notStarted ? `, not started ${c.notStarted}` : ''}; ${c.alreadyLeft} left earlier.`,
  ];
  if (roster.blocked) lines.push(`No leaver was processed: ${roster.blocked}.`);
  if (roster.error)
    lines.push(`The leaver phase failed: ${roster.error.code} ${roster.error.message}. A re-delivery of the event tries again.`);
  if (b) lines.push(`Breaker: ${b.held ? 'HELD' : 'passed'}: ${b.reason}.`);
  if (b?.approvalProblem)
    lines.push(b.approvalObject ? `The approval object was not trusted: ${b.approvalProblem}.` : `Not approvable: ${b.approvalProblem}.`);
  if (b?.held) {
    lines.push(
      `Sample of the users it would disable (employee ids): ${b.sample.join(', ')}${b.count > b.sample.length ? `, … (${b.count} in all)` : ''}.`,
    );
    if (b.approvalObject) {
      lines.push(
        `To approve: write the object ${b.approvalObject.name} to the bucket ${b.approvalObject.bucket} containing`,
        `  ${JSON.stringify({ runId: b.runId, users: b.count, approvedBy: '<your name or e-mail>' })}`,
        'then upload the same roster again today, or deliver the same event again. Joiners and movers already went ahead.',
      );
    } else {
      // No approval location is trusted without STATE_BUCKET: the message names no object an uploader could write.
      lines.push('Joiners and movers already went ahead.');
    }
  }
  const listed = roster.leavers.slice(0, MAX_LISTED_LEAVERS).map(leaverLine);
  if (listed.length > 0)
    lines.push(`Leavers${c.leavers + c.alreadyLeft > listed.length ? ` (the first ${listed.length}, failures first)` : ''}:`, ...listed);
  return lines;
}

/** The ONS summary: counts, where the reports are, and as many failures as fit in one message. */
export function batchSummary(report: BatchReport): { title: string; body: string } {
  const c = report.counts;
  const held = report.roster?.breaker?.held ? `, ${report.roster.breaker.count} leavers held for approval` : '';
  const kind = report.roster ? 'roster' : 'batch';
  const title = `Onboarding ${kind} ${report.status}: ${report.source.object}, ${c.succeeded} succeeded, ${c.failed + c.rejected + c.unreadable} not${c.notStarted ? `, ${c.notStarted} not started` : ''}${held}`;
  const head = [
    `Batch ${report.source.bucket}/${report.source.object}: ${report.status}`,
    report.stopped ? `Stopped: ${report.stopped}.` : '',
    `succeeded ${c.succeeded}, failed ${c.failed}, rejected ${c.rejected}, unreadable ${c.unreadable}, not started ${c.notStarted}${c['dry-run'] ? `, dry run ${c['dry-run']}` : ''}`,
    report.reportObjects ? `Reports: ${report.reportObjects.json} and ${report.reportObjects.csv}` : '',
    c.notStarted > 0
      ? `Not started before the deadline: lines ${report.notStarted.slice(0, 20).join(', ')}${c.notStarted > 20 ? ', …' : ''}. A re-run resumes.`
      : '',
    report.invocations ? `Invocations: ${report.invocations}.` : '',
    ...(report.roster ? rosterLines(report.roster) : []),
    ...(report.warnings ?? []).map((w) => `Warning: ${w}`),
    `Call id ${report.correlation.callId}${report.correlation.eventId ? `, event id ${report.correlation.eventId}` : ''}.`,
  ].filter(Boolean);
  const failures = [
    ...(report.rows ?? [])
      .filter((r) => r.status === Status.Failed || r.status === Status.Rejected)
      .map((r) => `  line ${r.line} ${r.status} ${r.userName ?? r.employeeId ?? ''}: ${detail(r)}`),
    ...report.failures.map((f) => `  line ${f.line} failed ${f.userName ?? f.employeeId ?? ''}: ${f.error.code} ${f.error.message}`),
  ];
  const lines: string[] = [];
  let size = Buffer.byteLength(head.join('\n'), 'utf8') + 200;
  for (const failure of failures) {
    const line = failure.slice(0, 500);
    size += Buffer.byteLength(line, 'utf8') + 1;
    if (size > MAX_MESSAGE_BYTES / 2) {
      lines.push(`  … and ${failures.length - lines.length} more in the report`);
      break;
    }
    lines.push(line);
  }
  const summary = {
    source: report.source,
    status: report.status,
    ...(report.stopped ? { stopped: report.stopped } : {}),
    counts: report.counts,
    reportObjects: report.reportObjects,
    correlation: report.correlation,
    ...(report.roster ? { roster: { runId: report.roster.runId, counts: report.roster.counts, breaker: report.roster.breaker } } : {}),
  };
  const body = [
    ...head,
    ...(lines.length > 0 ? ['', 'Failures:', ...lines] : []),
    '',
    '--- summary (JSON) ---',
    JSON.stringify(summary),
  ].join('\n');
  return { title: title.length > 128 ? `${title.slice(0, 127)}…` : title, body };
}
