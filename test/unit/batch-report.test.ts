import { describe, expect, it } from 'vitest';
import type { RowResult } from '../../src/core/batch';
import { type BatchReport, batchSummary, failedCsvLine, reportCsv } from '../../src/core/batch-report';
import { MAX_MESSAGE_BYTES } from '../../src/core/report';
import { type FailedRow, replacedReason } from '../../src/core/upload-run';

const source = { bucket: 'hr-uploads', object: 'incoming/x.csv', md5: 'abc' };
const failure = (line: number): FailedRow => ({
  line,
  userName: `user${line}@example.com`,
  retryable: true,
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
  it('writes CSV a spreadsheet reads: quoted where needed, one line per row, each write a row made and their count', () => {
    // Prepare
    const rows: RowResult[] = [
      {
        line: 2,
        status: 'succeeded',
        userName: 'a@example.com',
        userId: 'ocid1.user.oc1..a',
        steps: [
          { step: 'user', target: 'a@example.com', action: 'create', outcome: 'created' },
          { step: 'sign-in', target: 'a@example.com', action: 'none', outcome: 'unchanged' },
          { step: 'membership', target: 'auditors', action: 'add', outcome: 'added' },
          { step: 'membership', target: 'developers', action: 'add', outcome: 'unchanged', reason: 'already a member' },
          { step: 'console-password', target: 'a@example.com', action: 'skip', outcome: 'skipped', reason: 'classic' },
        ],
        errors: [],
      },
      {
        line: 3,
        status: 'rejected',
        steps: [],
        errors: [{ code: 'INVALID_EVENT', message: 'bad', problems: [{ path: 'email', message: 'Invalid, "really"' }] }],
      },
      {
        line: 4,
        status: 'succeeded',
        userName: 'b@example.com',
        steps: [
          { step: 'user', target: 'b@example.com', action: 'update', outcome: 'updated', changes: ['email', 'description'] },
          { step: 'membership', target: 'auditors', action: 'add', outcome: 'added' },
        ],
        earlierWrites: ['added membership developers'],
        errors: [],
      },
    ];
    // Act
    const csv = reportCsv(rows);
    // Assess
    expect(csv.split('\r\n')).toEqual([
      'line,status,employeeId,userName,userId,writes,detail',
      '2,succeeded,,a@example.com,ocid1.user.oc1..a,2,created user a@example.com; added membership auditors',
      '3,rejected,,,,0,"email: Invalid, ""really"""',
      '4,succeeded,,b@example.com,,3,"added membership developers; updated user b@example.com (email, description); added membership auditors"',
      '',
    ]);
    expect(failedCsvLine(failure(7))).toMatch(
      /^7,failed,,user7@example.com,,0,user user7: OCI_REQUEST_FAILED .*passing; a re-delivery retries it/,
    );
  });

  it('names the user and every write of a failed row, the failure first', () => {
    // Prepare: the user was created, then its membership failed.
    const row: FailedRow = {
      ...failure(9),
      userId: 'ocid1.user.oc1..nine',
      writes: ['created user user9@example.com'],
      error: { code: 'OCI_REQUEST_FAILED', message: 'AddUserToGroup failed: 503', step: 'membership', target: 'auditors' },
    };
    // Act
    const line = failedCsvLine(row);
    // Assess
    expect(line).toBe(
      '9,failed,,user9@example.com,ocid1.user.oc1..nine,1,membership auditors: OCI_REQUEST_FAILED AddUserToGroup failed: 503 (passing; a re-delivery retries it); created user user9@example.com\r\n',
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
