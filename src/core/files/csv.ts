import type { Problem } from '../../support/errors';
import { countBreaks, LineCounter } from './line-counter';
import { endOfFile, type FileLimits, type ReadRow, RowBudget, rowProblem } from './rows';
import { BOM, decodeUtf8, startsWith } from './utf8';

/** CSV columns that hold lists: roles are separated by `;` (or `|`) inside one field. */
const LIST_COLUMNS = new Set(['roles']);
const BOOLEAN_COLUMNS = new Set(['dryRun']);

/** What csv-parse reports, in the order it happened. */
type ParseEvent =
  | { readonly kind: 'record'; readonly fields: readonly Uint8Array[]; readonly end: number }
  | { readonly kind: 'skip'; readonly code: string; readonly column: number | undefined; readonly at: number };

/** csv-parse's errors that leave it unsure where quoted fields end: nothing after them can be trusted. */
const LOSES_ITS_PLACE = new Set(['CSV_INVALID_CLOSING_QUOTE', 'CSV_QUOTE_NOT_CLOSED']);

const QUOTE_MESSAGES: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'a quote inside a field that does not start with one: quote the whole field ("like ""this""") or leave quotes out',
  CSV_INVALID_CLOSING_QUOTE:
    'a quoted field goes on after its closing quote (write a quote inside quotes as ""); nothing after this point is read',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed before the end of the file; nothing after this point is read',
};

function utf8Problem(path: string, index: number, reason: string, where: string): Problem {
  return rowProblem(path, `is not valid UTF-8: ${reason}, at byte ${index + 1} of ${where}`);
}

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
 * Reads CSV (RFC 4180) from raw bytes with csv-parse: a header row of the event's field names, fields
 * optionally quoted (`""` is a quote inside quotes; commas and line breaks allowed inside quotes),
 * LF, CRLF or CR, an optional UTF-8 BOM. Quoting is strict (`"E1"x` and ` "E1" ` are errors).
 *
 * csv-parse is given bytes and returns each field as bytes (`encoding: null`): each field is decoded
 * here with a fatal UTF-8 decoder, so invalid UTF-8 is reported at its row, column and byte instead of
 * becoming U+FFFD, and a character split across chunks is whole by the time it is decoded. The BOM is
 * removed here, not by csv-parse, because csv-parse switches to decoding fields itself (with U+FFFD)
 * once it has seen one. Row numbers come from a line counter over the same bytes: csv-parse's own
 * `info.lines` counts a CRLF inside a quoted field twice.
 *
 * csv-parse is loaded on first use only: a single hire never pays for it.
 */
export async function* readCsv(bytes: AsyncIterable<Uint8Array>, limits: FileLimits): AsyncGenerator<ReadRow> {
  const { parse } = await import('csv-parse');
  const events: ParseEvent[] = [];
  let failure: Error | undefined;
  const parser = parse({
    encoding: null,
    bom: false,
    relax_column_count: true, // a row of the wrong width is a problem of that row, reported below
    skip_records_with_error: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    on_skip: (error) => {
      const info = error as unknown as { code?: string; column?: unknown; bytes?: number } | undefined;
      events.push({
        kind: 'skip',
        code: info?.code ?? 'CSV_ERROR',
        column: typeof info?.column === 'number' ? info.column : undefined,
        at: info?.bytes ?? 0,
      });
      return undefined;
    },
    on_record: (record: unknown, info) => {
      events.push({ kind: 'record', fields: record as Uint8Array[], end: info.bytes });
      return null;
    },
  });
  parser.on('error', (error) => {
    failure = error;
  });
  parser.resume(); // nothing is pushed (records arrive through on_record), but let the stream end
  const write = (chunk: Uint8Array) => new Promise<void>((resolve) => parser.write(chunk, () => resolve()));
  const end = () => new Promise<void>((resolve) => parser.end(() => resolve()));

  const lines = new LineCounter();
  const budget = new RowBudget(limits);
  let header: string[] | undefined;
  let lastLine = 0;
  let pending: { line: number; problems: Problem[] } | undefined;
  let stopped = false;

  const columnName = (column: number | undefined) =>
    column === undefined ? '(row)' : (header?.[column] ?? `field ${column + 1}`) || `field ${column + 1}`;

  /** Counts a row against the file's limits; the row itself, or the one that ends the file. */
  function admit(row: ReadRow): ReadRow {
    lastLine = row.line;
    const over = budget.addRow('problems' in row);
    if (over) {
      stopped = true;
      return endOfFile(row.line, row.label, over);
    }
    if ('endsFile' in row) stopped = true;
    return row;
  }

  function* flushPending(): Generator<ReadRow> {
    if (!pending) return;
    const { line, problems } = pending;
    pending = undefined;
    yield admit({ line, label: `line ${line}`, problems });
  }

  function headerRow(fields: readonly Uint8Array[], line: number): ReadRow | undefined {
    const names: string[] = [];
    for (const [i, field] of fields.entries()) {
      const decoded = decodeUtf8(field);
      if ('error' in decoded) {
        const utf16 = line === 1 && i === 0 && field[0] !== undefined && (field[0] === 0xff || field[0] === 0xfe);
        return endOfFile(
          line,
          `line ${line}`,
          utf16 ? 'the file is UTF-16; save it as UTF-8' : `the header is not valid UTF-8: ${decoded.error.reason} in field ${i + 1}`,
        );
      }
      names.push(decoded.text.trim());
    }
    if (names.length > limits.maxFieldsPerRow)
      return endOfFile(line, `line ${line}`, `the header has ${names.length} fields; at most ${limits.maxFieldsPerRow} are read`);
    const empty = names.findIndex((n) => n === '');
    if (empty >= 0) return endOfFile(line, `line ${line}`, `field ${empty + 1} of the header has no name`);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return endOfFile(line, `line ${line}`, `the header names ${twice} twice`);
    header = names;
    lastLine = line;
    return undefined;
  }

  function dataRow(fields: readonly Uint8Array[], line: number, columns: readonly string[]): ReadRow {
    const label = `line ${line}`;
    if (fields.length !== columns.length)
      return { line, label, problems: [rowProblem('(row)', `has ${fields.length} fields; the header has ${columns.length}`)] };
    const problems: Problem[] = [];
    const cells: string[] = [];
    let rowBytes = 0;
    for (const [i, field] of fields.entries()) {
      const name = columns[i] as string;
      rowBytes += field.length;
      if (field.length > limits.maxFieldBytes) {
        problems.push(rowProblem(name, `is ${field.length} bytes long; at most ${limits.maxFieldBytes} are read`));
        continue;
      }
      const decoded = decodeUtf8(field);
      if ('error' in decoded) problems.push(utf8Problem(name, decoded.error.index, decoded.error.reason, 'the field'));
      else cells.push(decoded.text);
    }
    if (rowBytes > limits.maxRowBytes)
      problems.unshift(rowProblem('(row)', `is ${rowBytes} bytes long; at most ${limits.maxRowBytes} are read`));
    if (problems.length > 0) return { line, label, problems };
    return { line, label, input: toInput(columns, cells) };
  }

  function* drain(): Generator<ReadRow> {
    while (events.length > 0 && !stopped) {
      const event = events.shift() as ParseEvent;
      if (event.kind === 'skip') {
        const line = Math.max(lines.lineAt(event.at), lastLine + 1);
        const problem = rowProblem(columnName(event.column), QUOTE_MESSAGES[event.code] ?? `cannot be read (${event.code})`);
        if (LOSES_ITS_PLACE.has(event.code)) {
          yield* flushPending();
          if (stopped) return;
          const at = Math.max(line, lastLine + 1);
          yield admit({ line: at, label: `line ${at}`, problems: [problem], endsFile: true });
          return;
        }
        if (pending && pending.line === line) {
          if (!pending.problems.some((p) => p.path === problem.path && p.message === problem.message)) pending.problems.push(problem);
        } else {
          yield* flushPending();
          pending = { line: Math.max(line, lastLine + 1), problems: [problem] };
        }
        continue;
      }
      // The record's last line, less the line breaks inside its quoted fields, is the line it starts on.
      const inner = event.fields.reduce((n, f) => n + countBreaks(f), 0);
      const start = lines.lineAt(event.end - 1) - inner;
      yield* flushPending();
      if (stopped) return;
      const line = Math.max(start, lastLine + 1);
      if (!header) {
        const refused = headerRow(event.fields, line);
        if (refused) yield admit(refused);
        continue;
      }
      yield admit(dataRow(event.fields, line, header));
    }
  }

  let first = true;
  let head: Uint8Array = new Uint8Array(0);
  try {
    for await (const raw of bytes) {
      const over = budget.addBytes(raw.length);
      if (over) {
        yield* flushPending();
        if (!stopped) yield endOfFile(lastLine + 1, `line ${lastLine + 1}`, over);
        return;
      }
      let chunk = raw;
      if (first) {
        // The BOM may arrive split over chunks: hold the first bytes until there are three.
        const joined = new Uint8Array(head.length + chunk.length);
        joined.set(head);
        joined.set(chunk, head.length);
        if (joined.length < BOM.length && BOM.subarray(0, joined.length).every((b, i) => joined[i] === b)) {
          head = joined;
          continue;
        }
        first = false;
        chunk = startsWith(joined, BOM) ? joined.subarray(BOM.length) : joined;
      }
      lines.feed(chunk);
      await write(chunk);
      yield* drain();
      if (stopped || failure) break;
    }
    if (!stopped && !failure) {
      if (first && head.length > 0) {
        lines.feed(head);
        await write(head);
      }
      lines.finish();
      await end();
      yield* drain();
    }
    if (!stopped) yield* flushPending();
    if (failure && !stopped) yield endOfFile(lastLine + 1, `line ${lastLine + 1}`, `the file cannot be read as CSV: ${failure.message}`);
  } finally {
    parser.destroy();
  }
}
