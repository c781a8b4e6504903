import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FileLimits, formatOf, type ReadRow, readHires } from '../../src/core/hires-file';
import { parseNewHire } from '../../src/core/new-hire';
import { fixtureJson, fixturePath } from '../helpers';

type Format = 'csv' | 'json' | 'ndjson';

/** Feeds bytes in pieces of the given sizes (cycling), so rows, quotes and characters straddle chunks as in a stream. */
async function* pieces(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let k = 0; at < bytes.length; k += 1) {
    const size = sizes[k % sizes.length] as number;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}
const bytesOf = (text: string | Uint8Array) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
async function rows(
  format: Format,
  text: string | Uint8Array,
  sizes: readonly number[] = [5],
  limits: Partial<FileLimits> = {},
): Promise<ReadRow[]> {
  const out: ReadRow[] = [];
  for await (const row of readHires(format, pieces(bytesOf(text), sizes), limits)) out.push(row);
  return out;
}
const fixture = (...parts: string[]) => readFileSync(fixturePath(...parts));
const concat = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
/** Chunkings that split every multi-byte character somewhere: single bytes, odd sizes, one big chunk. */
const CHUNKINGS: readonly (readonly number[])[] = [[1], [2, 3], [7], [5, 1, 11], [1 << 20]];

describe('CSV uploads (csv-parse)', () => {
  it('reads a BOM, CRLF, quoted fields, doubled quotes, an embedded line break and names outside ASCII, whatever the chunking', async () => {
    for (const sizes of CHUNKINGS) {
      // Act
      const result = await rows('csv', fixture('uploads', 'hires.csv'), sizes);
      // Assess
      expect(result.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 8]);
      expect(result[0]).toEqual({
        line: 2,
        label: 'line 2',
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
      expect(result[3]).toEqual({ line: 5, label: 'line 5', problems: [{ path: '(row)', message: 'has 3 fields; the header has 9' }] });
      expect(result[4]).toMatchObject({ line: 6, input: { givenName: 'Linus\nBenedict' } });
      expect(result[5]).toMatchObject({ line: 8, input: { givenName: '明', familyName: '黒澤' } });
    }
  });

  it('keeps 3- and 4-byte characters whole across every chunk boundary', async () => {
    const text = 'employeeId,givenName,familyName\r\nE1,明日香,😀🎉\r\nE2,"𠜎""x",ß\r\n';
    for (const sizes of CHUNKINGS) {
      expect(await rows('csv', text, sizes)).toEqual([
        { line: 2, label: 'line 2', input: { employeeId: 'E1', givenName: '明日香', familyName: '😀🎉' } },
        { line: 3, label: 'line 3', input: { employeeId: 'E2', givenName: '𠜎"x', familyName: 'ß' } },
      ]);
    }
  });

  it.each([
    ['a lone 0xFF', [0xff], 'byte 0xFF is not UTF-8'],
    ['0xC3 0x28', [0xc3, 0x28], 'byte 0xC3 starts a character that 0x28 does not continue'],
    ['an overlong "/"', [0xc0, 0xaf], 'byte 0xC0 is an overlong form'],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 'byte 0xED starts a character that 0xA0 does not continue'],
    ['a character cut short', [0xe6, 0x98], 'byte 0xE6 starts a character that is cut short'],
  ])('refuses %s in a field at its row, column and byte, never as U+FFFD, and reads on', async (_label, bad, reason) => {
    // Prepare
    const file = concat('employeeId,givenName,familyName\nE1,Ad', bad, ',X\nE2,Bo,Y\n');
    for (const sizes of CHUNKINGS) {
      // Act
      const result = await rows('csv', file, sizes);
      // Assess
      expect(result).toEqual([
        { line: 2, label: 'line 2', problems: [{ path: 'givenName', message: `is not valid UTF-8: ${reason}, at byte 3 of the field` }] },
        { line: 3, label: 'line 3', input: { employeeId: 'E2', givenName: 'Bo', familyName: 'Y' } },
      ]);
      expect(JSON.stringify(result)).not.toContain('\uFFFD');
    }
  });

  it('is strict about quotes, each quote error a problem of its own row: "E1"x, " E1 ", a quote never closed', async () => {
    for (const sizes of CHUNKINGS) {
      expect(await rows('csv', 'employeeId,userName\nE0,a@x.com\n"E1"x,b@x.com\nE2,"c@x.com"\n', sizes)).toEqual([
        { line: 2, label: 'line 2', input: { employeeId: 'E0', userName: 'a@x.com' } },
        { line: 3, label: 'line 3', problems: [{ path: 'employeeId', message: expect.stringMatching(/goes on after its closing quote/) }] },
        { line: 4, label: 'line 4', input: { employeeId: 'E2', userName: 'c@x.com' } },
      ]);
    }
    expect(await rows('csv', 'employeeId,userName\n "E1" ,b@x.com\nE2,c@x.com\n')).toEqual([
      { line: 2, label: 'line 2', problems: [{ path: 'employeeId', message: expect.stringMatching(/a quote inside a field/) }] },
      { line: 3, label: 'line 3', input: { employeeId: 'E2', userName: 'c@x.com' } },
    ]);
    expect(await rows('csv', 'employeeId,userName\nA,"open\nB,b\n')).toEqual([
      { line: 2, label: 'line 2', problems: [{ path: 'userName', message: 'a quoted field is not closed before the end of the file' }] },
    ]);
  });

  it('answers a long line full of quotes at once (csv-parse alone is quadratic on it)', async () => {
    const quotes = `employeeId,userName\n${'{"a":'.repeat(20_000)}\nE2,b@x.com\n`;
    expect(await rows('csv', quotes, [65536])).toEqual([
      { line: 2, label: 'line 2', problems: [{ path: '(row)', message: 'is 100000 bytes long; at most 65536 are read' }] },
      { line: 3, label: 'line 3', input: { employeeId: 'E2', userName: 'b@x.com' } },
    ]);
    expect(await rows('csv', `a\n${'x"'.repeat(2000)}\n`, [7])).toEqual([
      { line: 2, label: 'line 2', problems: [{ path: 'a', message: expect.stringMatching(/a quote inside a field/) }] },
    ]);
  });

  it('numbers rows by the line they start on, with blank lines, CR-only files and CRLF inside quotes', async () => {
    const text = 'employeeId,givenName\r\n\r\nE1,"two\r\nlines"\r\n\r\n\r\nE2,x\rE3,y';
    for (const sizes of CHUNKINGS) expect((await rows('csv', text, sizes)).map((r) => r.line)).toEqual([3, 7, 8]);
  });

  it('refuses a header it cannot use, and a UTF-16 file, at line 1', async () => {
    expect(await rows('csv', 'employeeId,employeeId\nE1,E2\n')).toEqual([
      { line: 1, label: 'line 1', endsFile: true, problems: [{ path: '(file)', message: 'the header names employeeId twice' }] },
    ]);
    expect((await rows('csv', 'employeeId,,x\n1,2,3\n'))[0]).toMatchObject({
      endsFile: true,
      problems: [{ message: 'field 2 of the header has no name' }],
    });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]);
    expect((await rows('csv', utf16))[0]).toMatchObject({
      line: 1,
      endsFile: true,
      problems: [{ message: 'the file is UTF-16; save it as UTF-8' }],
    });
  });

  it('counts limits as the rows stream: fields too long, too many rows of the wrong width, a file longer than announced', async () => {
    const long = `employeeId,givenName\nE1,${'x'.repeat(9000)}\nE2,ok\n`;
    expect(await rows('csv', long, [4096])).toEqual([
      { line: 2, label: 'line 2', problems: [{ path: 'givenName', message: 'is 9000 bytes long; at most 8192 are read' }] },
      { line: 3, label: 'line 3', input: { employeeId: 'E2', givenName: 'ok' } },
    ]);
    const wrongWidth = `a,b\n${'1,2,3\n'.repeat(10)}`;
    const result = await rows('csv', wrongWidth, [64], { maxUnreadableRows: 3 });
    expect(result.map((r) => [r.line, 'endsFile' in r])).toEqual([
      [2, false],
      [3, false],
      [4, false],
      [5, true],
    ]);
    expect(await rows('csv', 'a,b\n1,2\n3,4\n5,6\n', [4], { maxBytes: 14 })).toEqual([
      { line: 2, label: 'line 2', input: { a: '1', b: '2' } },
      { line: 3, label: 'line 3', input: { a: '3', b: '4' } },
      {
        line: 4,
        label: 'line 4',
        endsFile: true,
        problems: [{ path: '(file)', message: 'the file is larger than 14 bytes; the rest is not read' }],
      },
    ]);
  });

  it('turns dryRun into a boolean only when it says true or false', async () => {
    expect(await rows('csv', 'dryRun\nTRUE\nfalse\nyes\n')).toEqual([
      { line: 2, label: 'line 2', input: { dryRun: true } },
      { line: 3, label: 'line 3', input: { dryRun: false } },
      { line: 4, label: 'line 4', input: { dryRun: 'yes' } },
    ]);
  });
});

describe('JSON array uploads', () => {
  const hires = [
    { employeeId: 'J1', givenName: '明日香' },
    { employeeId: 'J2', givenName: '😀 "quoted ] } [ {"' },
    { employeeId: 'J3', roles: ['a', 'b'] },
  ];
  const expected = (lines: number[]) => hires.map((input, i) => ({ line: i + 1, label: `item ${i + 1} (line ${lines[i]})`, input }));

  it('lists every hire of a one-line array, one hire a line, a pretty-printed array and {"hires": [...]}, numbered by item', async () => {
    for (const sizes of CHUNKINGS) {
      expect(await rows('json', JSON.stringify(hires), sizes)).toEqual(expected([1, 1, 1]));
      expect(await rows('json', `[\n${hires.map((h) => JSON.stringify(h)).join(',\n')}\n]\n`, sizes)).toEqual(expected([2, 3, 4]));
      expect(await rows('json', `\uFEFF${JSON.stringify(hires, null, 2)}`, sizes)).toEqual(expected([2, 6, 10]));
      expect(await rows('json', ` { "hires" :\n${JSON.stringify(hires)} }\n`, sizes)).toEqual(expected([2, 2, 2]));
    }
  });

  it('reads the fixture batch', async () => {
    expect((await rows('json', fixture('envelopes', 'batch.json'))).map((r) => r.label)).toEqual([
      'item 1 (line 2)',
      'item 2 (line 3)',
      'item 3 (line 4)',
    ]);
  });

  it('makes each item that is not a hire object a problem of that item and reads on', async () => {
    const result = await rows('json', '[{"a":1}, 0, "s", [1], true, null, {"b":', [3]);
    expect(result.map((r) => ('problems' in r ? `${r.line}:${r.problems[0]?.message}` : `${r.line}:ok`))).toEqual([
      '1:ok',
      '2:is a number, not a hire (a JSON object)',
      '3:is a string, not a hire (a JSON object)',
      '4:is an array, not a hire (a JSON object)',
      '5:is a boolean, not a hire (a JSON object)',
      '6:is null, not a hire (a JSON object)',
      '7:the file ends inside item 7, which starts on line 1',
    ]);
  });

  it('refuses invalid UTF-8 in an item with its byte, and a broken array where it breaks', async () => {
    expect(await rows('json', concat('[{"a":"', [0xc0, 0xaf], '"},{"b":1}]'), [1])).toEqual([
      {
        line: 1,
        label: 'item 1 (line 1)',
        problems: [{ path: '(row)', message: 'is not valid UTF-8: byte 0xC0 is an overlong form, at byte 7 of the row' }],
      },
      { line: 2, label: 'item 2 (line 1)', input: { b: 1 } },
    ]);
    expect((await rows('json', '[{"a":1} {"b":2}]')).at(-1)).toMatchObject({
      line: 2,
      endsFile: true,
      problems: [{ message: 'expected , or ] after item 1, found "{"' }],
    });
    expect((await rows('json', '[{"a":1},]')).at(-1)).toMatchObject({
      endsFile: true,
      problems: [{ message: 'a comma before ] (JSON allows none)' }],
    });
    expect(await rows('json', '{"not":"an array"}')).toEqual([
      {
        line: 1,
        label: 'item 1 (line 1)',
        endsFile: true,
        problems: [{ path: '(file)', message: 'expected a JSON array of hires, or { "hires": [...] }' }],
      },
    ]);
    expect((await rows('json', ''))[0]).toMatchObject({
      endsFile: true,
      problems: [{ message: expect.stringMatching(/the file is empty/) }],
    });
  });

  it('answers an array of 100,000 numbers with a bounded list of problems, and deep nesting with one', async () => {
    // Prepare: 200 KB on one line
    const zeros = `[${Array(100_000).fill('0').join(',')}]`;
    // Act
    const result = await rows('json', zeros, [65536]);
    // Assess
    expect(result).toHaveLength(1001);
    expect(result.at(-1)).toMatchObject({
      line: 1001,
      endsFile: true,
      problems: [{ message: expect.stringMatching(/more than 1000 rows could not be read/) }],
    });
    const deep = `[{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}},{"b":1}]`;
    expect(await rows('json', deep, [65536])).toEqual([
      { line: 1, label: 'item 1 (line 1)', problems: [{ path: '(row)', message: 'is 200006 bytes long; at most 65536 are read' }] },
      { line: 2, label: 'item 2 (line 1)', input: { b: 1 } },
    ]);
    expect(await rows('json', `[{"a":${'['.repeat(20)}${']'.repeat(20)}}]`)).toEqual([
      { line: 1, label: 'item 1 (line 1)', problems: [{ path: '(row)', message: 'is nested 21 deep; at most 16 are read' }] },
    ]);
  });
});

describe('NDJSON uploads', () => {
  it('reads line by line, numbering by line, reporting a bad line and going on', async () => {
    const result = await rows('ndjson', fixture('uploads', 'hires.ndjson'));
    expect(result.map((r) => [r.line, 'problems' in r])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
  });

  it('keeps characters whole across chunks, skips blank lines and a BOM, and refuses invalid UTF-8 with its byte', async () => {
    const file = concat('\uFEFF{"n":"明日香 😀"}\r\n\n  \n{"n":"', [0xff], '"}\n[1]\n{"n":"ok"}');
    for (const sizes of CHUNKINGS) {
      expect(await rows('ndjson', file, sizes)).toEqual([
        { line: 1, label: 'line 1', input: { n: '明日香 😀' } },
        {
          line: 4,
          label: 'line 4',
          problems: [{ path: '(row)', message: 'is not valid UTF-8: byte 0xFF is not UTF-8, at byte 7 of the row' }],
        },
        { line: 5, label: 'line 5', problems: [{ path: '(row)', message: 'is an array, not a hire (a JSON object)' }] },
        { line: 6, label: 'line 6', input: { n: 'ok' } },
      ]);
    }
  });

  it('answers a single 8 MB line with one problem, without holding it', async () => {
    const huge = `{"n":"${'x'.repeat(8 * 1024 * 1024)}"}\n{"n":"after"}\n`;
    expect(await rows('ndjson', huge, [65536])).toEqual([
      { line: 1, label: 'line 1', problems: [{ path: '(row)', message: `is ${8 * 1024 * 1024 + 8} bytes long; at most 65536 are read` }] },
      { line: 2, label: 'line 2', input: { n: 'after' } },
    ]);
  });
});

describe('formatOf', () => {
  it('decides the format by extension, then content type', () => {
    expect(formatOf('a/b.CSV', undefined)).toBe('csv');
    expect(formatOf('x.jsonl', undefined)).toBe('ndjson');
    expect(formatOf('x', 'application/json')).toBe('json');
    expect(formatOf('x.txt', 'text/plain')).toBeUndefined();
  });
});

describe('rows holding a lone surrogate', () => {
  it('are refused as rows: CSV bytes of a surrogate are not UTF-8, and a JSON escape of one is not a valid hire', async () => {
    // Prepare: the CESU-8 bytes of U+D800 in a CSV; the escape "\ud800" in JSON and NDJSON rows.
    const hire = { ...fixtureJson('events', 'new-hire.json'), givenName: 'A\ud800da' };
    const csv = concat('employeeId,givenName\nE1,A', [0xed, 0xa0, 0x80], 'da\n');
    // Act
    const [csvRow] = await rows('csv', csv);
    const jsonRows = [...(await rows('json', JSON.stringify([hire]))), ...(await rows('ndjson', `${JSON.stringify(hire)}\n`))];
    // Assess
    expect(csvRow).toMatchObject({ line: 2, problems: [{ path: 'givenName', message: expect.stringMatching(/not valid UTF-8/) }] });
    expect(jsonRows).toHaveLength(2);
    for (const row of jsonRows) {
      expect(() => parseNewHire((row as { input: unknown }).input)).toThrow(
        expect.objectContaining({ problems: [{ path: 'givenName', message: expect.stringMatching(/lone surrogate/) }] }),
      );
    }
  });
});
