import { describe, expect, it } from 'vitest';
import { type FileRow, formatOf, readHires, type UnreadableRow } from '../../src/core/hires-file';
import { readFixture } from '../helpers';

/** Feeds text in small chunks, so rows and quotes straddle chunk boundaries as they do in a stream. */
async function* chunks(text: string, size = 5): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function rows(format: 'csv' | 'json' | 'ndjson', text: string): Promise<(FileRow | UnreadableRow)[]> {
  const out: (FileRow | UnreadableRow)[] = [];
  for await (const row of readHires(format, chunks(text))) out.push(row);
  return out;
}

describe('uploaded files of hires', () => {
  it('reads CSV with a BOM, CRLF, quoted fields, doubled quotes, an embedded line break and names outside ASCII', async () => {
    const result = await rows('csv', readFixture('uploads', 'hires.csv'));
    expect(result.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(result[0]).toEqual({
      line: 2,
      input: {
        employeeId: 'C0001',
        userName: 'zoe.nandu@example.com',
        email: 'zoe.nandu@example.com',
        givenName: 'Zoë',
        familyName: 'Ñandú',
        roles: ['developer', 'auditor'],
        compartment: 'dev',
        manager: 'E100',
        startDate: '2026-12-01',
      },
    });
    expect(result[1]).toMatchObject({ input: { givenName: 'Ada "Countess"', familyName: 'Byron, of Lovelace', roles: ['auditor'] } });
    expect(result[3]).toEqual({ line: 5, problems: [{ path: '(row)', message: 'has 3 fields; the header has 9' }] });
    expect(result[4]).toMatchObject({ line: 6, input: { givenName: 'Linus\nBenedict' } });
    expect(result[5]).toMatchObject({ line: 8, input: { givenName: '明', familyName: '黒澤' } });
  });

  it('reads LF files and reports an unclosed quote', async () => {
    expect((await rows('csv', 'employeeId,userName\nA,a@x.com\n')).map((r) => r.line)).toEqual([2]);
    expect(await rows('csv', 'employeeId,userName\nA,"open\n')).toEqual([
      { line: 2, problems: [{ path: '(row)', message: 'a quoted field is not closed before the end of the file' }] },
    ]);
  });

  it('reads NDJSON line by line, reporting a bad line and going on', async () => {
    const result = await rows('ndjson', readFixture('uploads', 'hires.ndjson'));
    expect(result.map((r) => [r.line, 'problems' in r])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
  });

  it('reads a JSON array, numbering each hire by the line its object starts on', async () => {
    const result = await rows('json', readFixture('envelopes', 'batch.json'));
    expect(result.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(await rows('json', '{"not":"an array"}')).toEqual([
      { line: 1, problems: [{ path: '(file)', message: 'expected a JSON array of hires, or { "hires": [...] }' }] },
    ]);
  });

  it('decides the format by extension, then content type', () => {
    expect(formatOf('a/b.CSV', undefined)).toBe('csv');
    expect(formatOf('x.jsonl', undefined)).toBe('ndjson');
    expect(formatOf('x', 'application/json')).toBe('json');
    expect(formatOf('x.txt', 'text/plain')).toBeUndefined();
  });
});
