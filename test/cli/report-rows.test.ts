import { describe, expect, it } from 'vitest';
import { rowsNotDone } from '../../src/cli/upload-command';

const HEADER = 'line,status,employeeId,userName,userId,writes,detail\r\n';

describe('the rows of a per-row report that failed or were rejected', () => {
  it('splits rows outside quotes only, keeps escaped quotes, shows a line break in a cell on one line, and reads a last row without a line end', () => {
    // Prepare: CRLF rows; a detail with a quoted line break and "" escapes; stale and dry-run rows; no final line end
    const report = [
      HEADER,
      '2,succeeded,E1,a@example.com,ocid1.user..a,2,created user a@example.com\r\n',
      '3,rejected,E2,b@example.com,,0,"givenName: ""Bob\r\nSmith"" is not a name"\r\n',
      '4,stale,E3,c@example.com,,0,an older fact\r\n',
      '5,dry-run,E4,d@example.com,,0,would create\r\n',
      '6,failed,E5,e@example.com,,1,"membership: 503, then 503"',
    ].join('');
    // Act
    const { lines, count } = rowsNotDone(report, 10);
    // Assess
    expect(count).toBe(2);
    expect(lines).toEqual([
      '3,rejected,E2,b@example.com,,0,"givenName: ""Bob\\nSmith"" is not a name"',
      '6,failed,E5,e@example.com,,1,"membership: 503, then 503"',
    ]);
  });

  it('lists at most the limit and counts them all', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i + 2},rejected,E${i},x${i}@example.com,,0,email: Invalid email\r\n`);
    const { lines, count } = rowsNotDone(HEADER + rows.join(''), 10);
    expect(count).toBe(25);
    expect(lines).toHaveLength(10);
    expect(lines[9]).toBe('11,rejected,E9,x9@example.com,,0,email: Invalid email');
  });
});
