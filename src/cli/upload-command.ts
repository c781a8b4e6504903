// `npm run invoke -- --upload <file> [--deadline <seconds>] [--domain-type <type>] [--report <file>]`: an upload followed to
// its end on the local OCI, on classic IAM or into an identity domain of a type, under its published limits.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DomainType } from '@oci-iam-onboarding/local-oci/domain-rate-limits';
import type { GroupCounts } from '@oci-iam-onboarding/local-oci/rate-limit';
import { parse } from 'csv-parse/sync';
import { REPORT_CSV_HEADER } from '../core/batch-report';
import { reportNames } from '../core/run-objects';
import { Status } from '../core/status';
import { startLocalStack } from '../local-stack/stack';
import { driveUpload } from '../local-stack/upload-driver';
import { bundlePath, out, userPath } from './print';

/** The function's timeout in func.yaml (seconds): what each invocation gets unless told otherwise. */
export function funcYamlTimeout(): number {
  const text = readFileSync(join(__dirname, '..', '..', 'func.yaml'), 'utf8');
  return Number(/^timeout:\s*(\d+)/m.exec(text)?.[1] ?? 30);
}

export interface UploadCommandOptions {
  /** Each invocation's deadline (default: func.yaml's timeout). */
  readonly deadlineSeconds?: number;
  /**
   * An identity domain of this type, enforcing its published API rate limits, and the function told the
   * type (IDENTITY_DOMAIN_TYPE) so that it paces itself by the same windows. Without it: classic IAM.
   */
  readonly domainType?: DomainType;
  /** Writes the per-row report (CSV) the function made to this file. */
  readonly reportPath?: string;
}

/** Rows that failed or were rejected printed after the summary line; the rest are in the report. */
const LISTED_ROWS = 10;
const PROBLEMS = new Set<string>([Status.Failed, Status.Rejected]);

/**
 * The lines of a per-row report (CSV, header first) whose row failed or was rejected, at most `limit` of
 * them, and how many there are, each on one line (a line break inside a cell shown as `\n`). Read by
 * csv-parse, as the function reads its files: a quoted cell may hold commas, quotes and line breaks.
 * Stale and dry-run rows are no problem.
 */
export function rowsNotDone(reportCsv: string, limit: number): { lines: string[]; count: number } {
  const rows = parse(reportCsv, { raw: true, from_line: 2, relax_column_count: true }) as unknown as { record: string[]; raw: string }[];
  const problems = rows.filter(({ record }) => PROBLEMS.has(record[1] ?? ''));
  return {
    lines: problems.slice(0, limit).map(({ raw }) => raw.replace(/[\r\n]+$/, '').replace(/\r?\n/g, '\\n')),
    count: problems.length,
  };
}

/**
 * The stderr line after an upload into a domain: per API group the local OCI counts, the calls it
 * answered and the calls it throttled (429), e.g. `local OCI, free domain: Others 312 answered / 0 throttled, …`.
 */
export function domainCountsLine(type: DomainType, counts: GroupCounts): string {
  const groups = Object.entries(counts).map(([group, c]) => `${group} ${c.answered} answered / ${c.throttled} throttled`);
  return `local OCI, ${type} domain: ${groups.join(', ')}`;
}

/**
 * Puts the file into the local OCI's onboarding bucket, delivers the OCI Events envelope, follows every
 * continuation as OCI would, and prints one line. Exit code 0 only when the upload completed.
 */
export async function uploadCommand(file: string, options: UploadCommandOptions = {}): Promise<number> {
  const content = readFileSync(userPath(file));
  const name = `incoming/${basename(file)}`;
  const { domainType } = options;
  const stack = await startLocalStack(domainType ? { identityDomain: 'Employees', domainType, domainLimits: 'published' } : {});
  try {
    const run = await driveUpload({
      stack,
      name,
      content,
      contentType: name.endsWith('.csv') ? 'text/csv' : 'application/json',
      deadlineMs: (options.deadlineSeconds ?? funcYamlTimeout()) * 1000,
      entry: bundlePath(),
      ...(domainType ? { env: { IDENTITY_DOMAIN_TYPE: domainType } } : {}),
    });
    const c = run.counts;
    // An upload refused as a whole (too large, a timeout too short) answers errors, not counts: say why first.
    const refused = run.final && 'errors' in run.final ? (run.final.errors as readonly { code: string; message: string }[]) : [];
    for (const error of refused) console.error(`error ${error.code}: ${error.message}`);
    out(
      `upload ${name}: ${run.status}, ${c.succeeded} succeeded, ${c.failed} failed, ${c.rejected + c.unreadable} rejected, ${run.invocations} invocations, ${run.seconds.toFixed(1)} s`,
    );
    const report = stack.oci.state.buckets.get(stack.uploadBucket)?.get(reportNames(name).csv)?.body;
    if (!report && options.reportPath)
      console.error(`no per-row report was written (the upload is ${run.status}): ${options.reportPath} not written`);
    if (report) {
      const { lines, count } = rowsNotDone(report.toString('utf8'), LISTED_ROWS);
      if (count > 0) {
        out(`rows that failed or were rejected (${REPORT_CSV_HEADER.trim()}):`);
        for (const line of lines) out(`  ${line}`);
        if (count > lines.length)
          out(`  … and ${count - lines.length} more${options.reportPath ? '' : ' (--report <file> keeps the whole report)'}`);
      }
      if (options.reportPath) {
        writeFileSync(userPath(options.reportPath), report);
        out(`report: ${options.reportPath} (one line per row)`);
      }
    }
    for (const error of run.errors) console.error(error);
    if (domainType) console.error(domainCountsLine(domainType, stack.oci.domainRate.counts));
    return run.status === 'complete' ? 0 : 1;
  } finally {
    await stack.oci.stop();
  }
}
