import { describe, expect, it } from 'vitest';
import type { RowResult } from '../../src/core/batch';
import { batchSummary, buildReport, reportCsv } from '../../src/core/batch-report';
import { MAX_MESSAGE_BYTES } from '../../src/core/report';

const source = { bucket: 'hr-uploads', object: 'incoming/x.csv', md5: 'abc' };
const failed = (line: number): RowResult => ({
  line,
  status: 'failed',
  userName: `user${line}@example.com`,
  steps: [],
  errors: [{ code: 'OCI_REQUEST_FAILED', message: `CreateUser failed: 500 ${'x'.repeat(200)}` }],
});

describe('batch reports', () => {
  it('merges a resumed run into the earlier rows and counts them', () => {
    const earlier: RowResult[] = [{ line: 2, status: 'succeeded', steps: [], errors: [] }, failed(3)];
    const report = buildReport(
      source,
      { shared: [], rows: [{ line: 3, status: 'succeeded', steps: [], errors: [] }], notStarted: [] },
      earlier,
      { callId: 'C' },
    );
    expect(report).toMatchObject({ status: 'complete', counts: { succeeded: 2, failed: 0, notStarted: 0 } });
  });

  it('writes CSV a spreadsheet reads: quoted where needed, one line per row, not-started rows included', () => {
    const report = buildReport(
      source,
      {
        shared: [],
        rows: [
          {
            line: 2,
            status: 'rejected',
            userName: 'a,b',
            steps: [],
            errors: [{ code: 'INVALID_EVENT', message: 'bad', problems: [{ path: 'email', message: 'Invalid "email"' }] }],
          },
        ],
        notStarted: [9],
      },
      [],
      { callId: 'C' },
    );
    expect(reportCsv(report)).toBe(
      'line,status,employeeId,userName,userId,detail\r\n2,rejected,,"a,b",,"email: Invalid ""email"""\r\n9,not-started,,,,the invocation deadline came first; a re-run does it\r\n',
    );
  });

  it('keeps the ONS summary within 64 KB however many rows failed, saying how many more there are', () => {
    const rows = Array.from({ length: 2000 }, (_, i) => failed(i + 2));
    const { title, body } = batchSummary(
      buildReport(source, { shared: [], rows, notStarted: [] }, [], {
        callId: 'C',
        reportObjects: { json: 'x.report.json', csv: 'x.report.csv' },
      }),
    );
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(body).toMatch(/… and \d+ more in the report/);
    expect(body).toContain('Reports: x.report.json and x.report.csv');
    expect(title).toBe('Onboarding batch complete: incoming/x.csv, 0 succeeded, 2000 not');
  });
});
