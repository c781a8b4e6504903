import { describe, expect, it } from 'vitest';
import type { RowResult } from '../../src/core/batch';
import { type BatchReport, batchSummary, failedCsvLine, reportCsv } from '../../src/core/batch-report';
import { MAX_MESSAGE_BYTES } from '../../src/core/report';
import { type FailedRow, replacedReason } from '../../src/core/upload-progress';

const source = { bucket: 'hr-uploads', object: 'incoming/x.csv', md5: 'abc' };
const failure = (line: number): FailedRow => ({
  line,
  userName: `user${line}@example.com`,
  retryable: true,
  attempts: 1,
  error: { code: 'OCI_REQUEST_FAILED', message: `CreateUser failed: 500 ${'x'.repeat(200)}`, step: 'user', target: `user${line}` },
});
const report = (failures: FailedRow[]): BatchReport => ({
  source,
  status: 'failed',
  correlation: { callId: 'C' },
  counts: { succeeded: 10, failed: failures.length, rejected: 0, unreadable: 0, notStarted: 0 },
  shared: [],
  failures,
  notStarted: [],
  reportObjects: { json: 'incoming/x.csv.report.json', csv: 'incoming/x.csv.report.csv' },
  finishedAt: '2026-12-01T00:00:00.000Z',
});

describe('batch reports', () => {
  it('writes CSV a spreadsheet reads: quoted where needed, one line per row, what each row created', () => {
    // Prepare
    const rows: RowResult[] = [
      {
        line: 2,
        status: 'succeeded',
        userName: 'a@example.com',
        steps: [{ step: 'user', target: 'a@example.com', action: 'create', outcome: 'created' }],
        errors: [],
      },
      {
        line: 3,
        status: 'rejected',
        steps: [],
        errors: [{ code: 'INVALID_EVENT', message: 'bad', problems: [{ path: 'email', message: 'Invalid, "really"' }] }],
      },
    ];
    // Act
    const csv = reportCsv(rows);
    // Assess
    expect(csv.split('\r\n')).toEqual([
      'line,status,employeeId,userName,userId,detail',
      '2,succeeded,,a@example.com,,created user a@example.com',
      '3,rejected,,,,"email: Invalid, ""really"""',
      '',
    ]);
    expect(failedCsvLine(failure(7))).toMatch(
      /^7,failed,,user7@example.com,,user user7: OCI_REQUEST_FAILED .*passing; a re-delivery retries it/,
    );
  });

  it('keeps the ONS summary under the message limit however many rows failed, and says where the rest are', () => {
    // Prepare
    const many = Array.from({ length: 2000 }, (_, i) => failure(i + 2));
    // Act
    const { title, body } = batchSummary(report(many));
    // Assess
    expect(Buffer.byteLength(title + body, 'utf8')).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(body).toMatch(/… and \d+ more in the report/);
    expect(body).toContain('Reports: incoming/x.csv.report.json and incoming/x.csv.report.csv');
    expect(title).toBe('Onboarding batch failed: incoming/x.csv, 10 succeeded, 2000 not');
  });

  it('shows bookkeeping warnings beside the outcome', () => {
    const { body } = batchSummary({ ...report([]), status: 'complete', warnings: ['the report could not be written: 503'] });
    expect(body).toMatch(/^Batch hr-uploads\/incoming\/x.csv: complete/);
    expect(body).toContain('Warning: the report could not be written: 503');
  });
  it('says why a run stopped early, in the message and its JSON summary', () => {
    // Prepare: an upload whose file was replaced after 10 rows.
    const stopped = { ...report([]), stopped: replacedReason(30) };
    // Act
    const { title, body } = batchSummary({ ...stopped, counts: { ...stopped.counts, notStarted: 30 } });
    // Assess
    expect(title).toBe('Onboarding batch failed: incoming/x.csv, 10 succeeded, 0 not, 30 not started');
    expect(body).toContain(
      'Stopped: the file was replaced while it was processed; 30 rows of the earlier content were not processed; the new content is processed by its own run.',
    );
    expect(body).toContain('not started 30');
    expect(JSON.parse(body.split('--- summary (JSON) ---\n')[1] ?? '{}')).toMatchObject({ status: 'failed', stopped: stopped.stopped });
    expect(batchSummary(report([])).body).not.toContain('Stopped:');
  });
});
