import type { Problem } from '../../support/errors';
import { endOfFile, type FileLimits, type ReadRow, RowBudget, rowProblem } from './rows';
import { bomStripper, decodeUtf8 } from './utf8';

/** CSV columns that hold lists: roles are separated by `;` (or `|`) inside one field. */
const LIST_COLUMNS = new Set(['roles']);
const BOOLEAN_COLUMNS = new Set(['dryRun']);

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

const QUOTE_MESSAGES: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside a field that does not start with one: quote the whole field ("like ""this""") or leave quotes out',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field goes on after its closing quote (write a quote inside quotes as "")',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed before the end of the file',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a quoted field goes on after its closing quote (write a quote inside quotes as "")',
};

type ParseRecord = (bytes: Uint8Array) => Uint8Array[][];

/** A hire from a CSV record: empty cells are left out, so optional fields may stay blank. */
function toInput(header: readonly string[], cells: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const value = (cells[i] ?? '').trim();
    if (value === '') return;
    if (LIST_COLUMNS.has(name))
      input[name] = value
        .split(/[;|]/)
        .map((v) => v.trim())
        .filter(Boolean);
    else if (BOOLEAN_COLUMNS.has(name) && /^(true|false)$/i.test(value)) input[name] = value.toLowerCase() === 'true';
    else input[name] = value; // anything else stays text, so validation names the bad value
  });
  return input;
}

/**
 * Reads CSV (RFC 4180) from raw bytes: a header row of the event's field names, fields optionally
 * quoted (`""` is a quote inside quotes; commas and line breaks allowed inside quotes), LF, CRLF or
 * CR, an optional UTF-8 BOM. Quoting is strict (`"E1"x` and ` "E1" ` are errors of their row).
 *
 * Records are framed here, on the bytes: a line break ends a record unless an odd number of quotes
 * precedes it in the record, which is exactly RFC 4180's rule for valid files and, for broken ones,
 * keeps a stray quote from swallowing the rest of the file. A record longer than the row limit is
 * refused without being parsed; every other record is parsed by csv-parse (strict quotes, fields
 * returned as bytes). Framing first bounds what csv-parse holds: given a whole file, it builds each
 * error from a JSON copy of the record so far, which is quadratic on a long line full of quotes and
 * can exhaust the heap on a wide multi-megabyte row. Each field is then decoded with a fatal UTF-8
 * decoder, so invalid UTF-8 is reported at its row, column and byte instead of becoming U+FFFD.
 *
 * csv-parse is loaded on first use only: a single hire never pays for it.
 */
export async function* readCsv(bytes: AsyncIterable<Uint8Array>, limits: FileLimits): AsyncGenerator<ReadRow> {
  const { parse } = await import('csv-parse/sync');
  const parseRecord: ParseRecord = (record) =>
    parse(Buffer.from(record.buffer, record.byteOffset, record.byteLength), {
      encoding: null,
      bom: false,
      relax_column_count: true, // a row of the wrong width is a problem of that row, reported below
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as Uint8Array[][];

  const budget = new RowBudget(limits);
  let header: string[] | undefined;

  // The record being framed.
  let parts: Uint8Array[] = [];
  let size = 0;
  let inQuotes = false;
  let line = 1; // the line the next byte is on
  let recordLine = 1;
  let afterCr = false; // the last byte was a CR: an LF now completes the same line break

  function headerRow(fields: readonly Uint8Array[], at: number): ReadRow | undefined {
    const names: string[] = [];
    for (const [i, field] of fields.entries()) {
      const decoded = decodeUtf8(field);
      if ('error' in decoded) {
        const utf16 = at === 1 && i === 0 && (field[0] === 0xff || field[0] === 0xfe);
        return endOfFile(
          at,
          `line ${at}`,
          utf16 ? 'the file is UTF-16; save it as UTF-8' : `the header is not valid UTF-8: ${decoded.error.reason} in field ${i + 1}`,
        );
      }
      names.push(decoded.text.trim());
    }
    if (names.length > limits.maxFieldsPerRow)
      return endOfFile(at, `line ${at}`, `the header has ${names.length} fields; at most ${limits.maxFieldsPerRow} are read`);
    const empty = names.indexOf('');
    if (empty >= 0) return endOfFile(at, `line ${at}`, `field ${empty + 1} of the header has no name`);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return endOfFile(at, `line ${at}`, `the header names ${twice} twice`);
    header = names;
    return undefined;
  }

  function dataRow(fields: readonly Uint8Array[], at: number, columns: readonly string[]): ReadRow {
    const label = `line ${at}`;
    if (fields.length !== columns.length)
      return { line: at, label, problems: [rowProblem('(row)', `has ${fields.length} fields; the header has ${columns.length}`)] };
    const problems: Problem[] = [];
    const cells: string[] = [];
    for (const [i, field] of fields.entries()) {
      const name = columns[i] as string;
      if (field.length > limits.maxFieldBytes) {
        problems.push(rowProblem(name, `is ${field.length} bytes long; at most ${limits.maxFieldBytes} are read`));
        continue;
      }
      const decoded = decodeUtf8(field);
      if ('error' in decoded)
        problems.push(rowProblem(name, `is not valid UTF-8: ${decoded.error.reason}, at byte ${decoded.error.index + 1} of the field`));
      else cells.push(decoded.text);
    }
    if (problems.length > 0) return { line: at, label, problems };
    return { line: at, label, input: toInput(columns, cells) };
  }

  /** The framed record as a row; undefined for a blank line or the header. */
  function finishRecord(): ReadRow | undefined {
    const at = recordLine;
    const captured = size;
    const record = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    parts = [];
    size = 0;
    inQuotes = false;
    if (captured === 0) return undefined;
    if (captured > limits.maxRowBytes) {
      const problem = rowProblem('(row)', `is ${captured} bytes long; at most ${limits.maxRowBytes} are read`);
      return header ? { line: at, label: `line ${at}`, problems: [problem] } : endOfFile(at, `line ${at}`, `the header ${problem.message}`);
    }
    let records: Uint8Array[][];
    try {
      records = parseRecord(record);
    } catch (error) {
      const { code, column } = error as { code?: string; column?: unknown };
      const path = typeof column === 'number' ? (header?.[column] ?? `field ${column + 1}`) : '(row)';
      const problem = rowProblem(path, QUOTE_MESSAGES[code ?? ''] ?? `cannot be read as CSV (${code ?? 'error'})`);
      return header ? { line: at, label: `line ${at}`, problems: [problem] } : endOfFile(at, `line ${at}`, `the header ${problem.message}`);
    }
    const fields = records[0];
    if (!fields || records.length !== 1) return undefined;
    if (!header) return headerRow(fields, at);
    return dataRow(fields, at, header);
  }

  function capture(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const room = limits.maxRowBytes + 1 - size;
    if (room > 0) parts.push(chunk.subarray(from, from + Math.min(room, to - from)));
    size += to - from;
  }

  /** Counts a row against the file's limits: the row itself, or the row that ends the file. */
  function admit(row: ReadRow): ReadRow {
    const over = budget.addRow('problems' in row);
    return over ? endOfFile(row.line, row.label, over) : row;
  }

  const bom = bomStripper();
  for await (const raw of bytes) {
    const over = budget.addBytes(raw.length);
    if (over) {
      yield endOfFile(recordLine, `line ${recordLine}`, over);
      return;
    }
    const chunk = bom.strip(raw);
    if (chunk === undefined) continue;
    let from = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i];
      if (byte === LF && afterCr) {
        // the LF of a CRLF: the line was counted at the CR
        afterCr = false;
        if (size === 0 && from === i) from = i + 1;
        continue;
      }
      afterCr = byte === CR;
      if (byte === QUOTE) inQuotes = !inQuotes;
      else if (byte === LF || byte === CR) {
        line += 1;
        if (inQuotes) continue;
        capture(chunk, from, i);
        const row = finishRecord();
        from = i + 1;
        recordLine = line;
        if (!row) continue;
        const admitted = admit(row);
        yield admitted;
        if ('endsFile' in admitted) return;
      }
    }
    capture(chunk, from, chunk.length);
  }
  const held = bom.held();
  if (held.length > 0) capture(held, 0, held.length);
  const last = finishRecord();
  if (last) yield admit(last);
}
