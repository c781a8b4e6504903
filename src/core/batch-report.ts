import { ErrorCode, type ErrorReport } from '../support/errors';
import type { BatchOutcome, RowResult } from './batch';
import { MAX_MESSAGE_BYTES } from './report';
import type { StepResult } from './result';

/** Where a batch came from, for its reports and its summary. */
export interface BatchSource {
  readonly bucket: string;
  readonly object: string;
  readonly md5: string;
}

/** The report of a batch: every row (this run's and earlier runs'), the shared steps, and what is left. */
export interface BatchReport {
  readonly source: BatchSource;
  readonly status: 'complete' | 'partial';
  readonly correlation: { readonly callId: string; readonly eventId?: string };
  readonly counts: Readonly<Record<RowResult['status'] | 'notStarted' | 'unreadable', number>>;
  readonly shared: readonly StepResult[];
  readonly rows: readonly RowResult[];
  readonly notStarted: readonly number[];
  readonly reportObjects?: { readonly json: string; readonly csv: string };
  readonly finishedAt: string;
}

/** Merges this run into the rows of earlier runs (a resumed batch), the newer result winning. */
export function buildReport(
  source: BatchSource,
  outcome: BatchOutcome,
  earlier: readonly RowResult[],
  meta: { callId: string; eventId?: string | undefined; reportObjects?: { json: string; csv: string } },
): BatchReport {
  const byLine = new Map(earlier.map((r) => [r.line, r]));
  for (const row of outcome.rows) byLine.set(row.line, row);
  const rows = [...byLine.values()].sort((a, b) => a.line - b.line);
  const count = (status: RowResult['status']) => rows.filter((r) => r.status === status).length;
  return {
    source,
    status: outcome.notStarted.length > 0 ? 'partial' : 'complete',
    correlation: { callId: meta.callId, ...(meta.eventId ? { eventId: meta.eventId } : {}) },
    counts: {
      succeeded: count('succeeded'),
      failed: count('failed'),
      rejected: rows.filter((r) => r.status === 'rejected' && r.errors[0]?.code !== ErrorCode.UnreadableRow).length,
      unreadable: rows.filter((r) => r.errors[0]?.code === ErrorCode.UnreadableRow).length,
      'dry-run': count('dry-run'),
      notStarted: outcome.notStarted.length,
    },
    shared: outcome.shared,
    rows,
    notStarted: outcome.notStarted,
    ...(meta.reportObjects ? { reportObjects: meta.reportObjects } : {}),
    finishedAt: new Date().toISOString(),
  };
}

const csvCell = (value: string | undefined) => {
  const text = value ?? '';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

function detail(row: RowResult): string {
  const problems = row.errors.flatMap((e: ErrorReport) =>
    e.problems?.length ? e.problems.map((p) => `${p.path}: ${p.message}`) : [e.message],
  );
  const failed = row.steps.filter((s) => s.outcome === 'failed').map((s) => `${s.step} ${s.target}: ${s.reason ?? ''}`);
  return [...problems, ...failed].join('; ');
}

/** The per-row report for people: one line per row, in the order of the file. */
export function reportCsv(report: BatchReport): string {
  const lines = ['line,status,employeeId,userName,userId,detail'];
  for (const row of report.rows)
    lines.push([String(row.line), row.status, row.employeeId, row.userName, row.userId, detail(row)].map(csvCell).join(','));
  for (const line of report.notStarted)
    lines.push([String(line), 'not-started', '', '', '', 'the invocation deadline came first; a re-run does it'].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The ONS summary: counts, where the reports are, and as many failures as fit in one message. */
export function batchSummary(report: BatchReport): { title: string; body: string } {
  const c = report.counts;
  const title = `Onboarding batch ${report.status}: ${report.source.object}, ${c.succeeded} succeeded, ${c.failed + c.rejected + c.unreadable} not`;
  const head = [
    `Batch ${report.source.bucket}/${report.source.object}: ${report.status}`,
    `succeeded ${c.succeeded}, failed ${c.failed}, rejected ${c.rejected}, unreadable ${c.unreadable}, not started ${c.notStarted}${c['dry-run'] ? `, dry run ${c['dry-run']}` : ''}`,
    report.reportObjects ? `Reports: ${report.reportObjects.json} and ${report.reportObjects.csv}` : '',
    c.notStarted > 0
      ? `Not started before the deadline: lines ${report.notStarted.slice(0, 20).join(', ')}${report.notStarted.length > 20 ? ', …' : ''}. A re-run resumes.`
      : '',
    `Call id ${report.correlation.callId}${report.correlation.eventId ? `, event id ${report.correlation.eventId}` : ''}.`,
  ].filter(Boolean);
  const failures = report.rows.filter((r) => r.status === 'failed' || r.status === 'rejected');
  const lines: string[] = [];
  let size = Buffer.byteLength(head.join('\n'), 'utf8') + 200;
  for (const row of failures) {
    const line = `  line ${row.line} ${row.status} ${row.userName ?? row.employeeId ?? ''}: ${detail(row)}`.slice(0, 500);
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
    counts: report.counts,
    reportObjects: report.reportObjects,
    correlation: report.correlation,
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
