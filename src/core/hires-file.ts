import type { Problem } from '../support/errors';

/** A row of an uploaded file: where it starts (1-based line) and what it says, not yet validated. */
export interface FileRow {
  readonly line: number;
  readonly input: unknown;
}
/** A row that could not even be read as a record (a CSV row with the wrong number of fields, bad JSON). */
export interface UnreadableRow {
  readonly line: number;
  readonly problems: readonly Problem[];
}
export type HiresFormat = 'csv' | 'json' | 'ndjson';

/** Decides the format from the object name, then the content type. */
export function formatOf(name: string, contentType: string | undefined): HiresFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('csv')) return 'csv';
  if (type.includes('ndjson') || type.includes('jsonl')) return 'ndjson';
  if (type.includes('json')) return 'json';
  return undefined;
}

/** CSV columns that hold lists: roles are separated by `;` (or `|`) inside one field. */
const LIST_COLUMNS = new Set(['roles']);
const BOOLEAN_COLUMNS = new Set(['dryRun']);

/**
 * Reads CSV (RFC 4180) from a stream of text: a header row, fields optionally quoted (`""` inside
 * quotes is a quote, quoted fields may hold commas and line breaks), LF or CRLF, an optional BOM.
 * Empty cells are left out, so optional fields may stay blank.
 */
export async function* readCsv(chunks: AsyncIterable<string>): AsyncGenerator<FileRow | UnreadableRow> {
  let header: string[] | undefined;
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let recordLine = 1;
  let first = true;
  let pendingCr = false;

  function* endRecord(): Generator<FileRow | UnreadableRow> {
    record.push(field);
    field = '';
    const cells = record;
    record = [];
    const start = recordLine;
    recordLine = line;
    if (cells.length === 1 && cells[0] === '') return; // a blank line
    if (!header) {
      header = cells.map((h) => h.trim());
      return;
    }
    if (cells.length !== header.length) {
      yield { line: start, problems: [{ path: '(row)', message: `has ${cells.length} fields; the header has ${header.length}` }] };
      return;
    }
    const input: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const value = (cells[i] ?? '').trim();
      if (value === '') return;
      if (LIST_COLUMNS.has(name))
        input[name] = value
          .split(/[;|]/)
          .map((v) => v.trim())
          .filter(Boolean);
      else if (BOOLEAN_COLUMNS.has(name)) input[name] = value.toLowerCase() === 'true';
      else input[name] = value;
    });
    yield { line: start, input };
  }

  for await (let chunk of chunks) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    for (const c of chunk) {
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (quoted) {
        if (c === '"') {
          quoted = false;
          afterQuote = true;
        } else {
          if (c === '\n') line += 1;
          field += c;
        }
        continue;
      }
      if (c === '"') {
        if (afterQuote)
          field += '"'; // "" inside a quoted field
        else if (field === '') {
          quoted = true;
          continue;
        } else field += c;
        quoted = afterQuote;
        afterQuote = false;
        continue;
      }
      afterQuote = false;
      if (c === ',') {
        record.push(field);
        field = '';
      } else if (c === '\n' || c === '\r') {
        line += 1;
        pendingCr = c === '\r';
        yield* endRecord();
      } else field += c;
    }
  }
  if (quoted) {
    yield { line: recordLine, problems: [{ path: '(row)', message: 'a quoted field is not closed before the end of the file' }] };
    return;
  }
  if (field !== '' || record.length > 0) yield* endRecord();
}

/** Reads NDJSON: one JSON object per line; blank lines are skipped. */
export async function* readNdjson(chunks: AsyncIterable<string>): AsyncGenerator<FileRow | UnreadableRow> {
  let buffer = '';
  let line = 0;
  let first = true;
  const parse = (text: string, at: number): FileRow | UnreadableRow | undefined => {
    if (text.trim() === '') return undefined;
    try {
      return { line: at, input: JSON.parse(text) };
    } catch (error) {
      return { line: at, problems: [{ path: '(row)', message: `not JSON: ${(error as Error).message}` }] };
    }
  };
  for await (let chunk of chunks) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      line += 1;
      const row = parse(buffer.slice(0, newline).replace(/\r$/, ''), line);
      if (row) yield row;
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  }
  const last = parse(buffer, line + 1);
  if (last) yield last;
}

/** Reads a JSON array of hires (or `{ "hires": [...] }`); a row's line is where its object starts. */
export async function* readJsonArray(chunks: AsyncIterable<string>): AsyncGenerator<FileRow | UnreadableRow> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  text = text.replace(/^\uFEFF/, '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    yield { line: 1, problems: [{ path: '(file)', message: `not JSON: ${(error as Error).message}` }] };
    return;
  }
  const rows = Array.isArray(json) ? json : (json as { hires?: unknown })?.hires;
  if (!Array.isArray(rows)) {
    yield { line: 1, problems: [{ path: '(file)', message: 'expected a JSON array of hires, or { "hires": [...] }' }] };
    return;
  }
  // Top-level objects start at the `{` that follows the array's `[` or a `,` at depth 1.
  const starts: number[] = [];
  let depth = 0;
  let inString = false;
  let lineNo = 1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\n') lineNo += 1;
    if (inString) {
      if (c === '\\') i += 1;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (c === '{' && depth === (Array.isArray(json) ? 1 : 2)) starts.push(lineNo);
      depth += 1;
    } else if (c === ']' || c === '}') depth -= 1;
  }
  for (const [i, input] of rows.entries()) yield { line: starts[i] ?? 1, input };
}

/** Reads rows of the given format from text chunks. */
export function readHires(format: HiresFormat, chunks: AsyncIterable<string>): AsyncGenerator<FileRow | UnreadableRow> {
  if (format === 'csv') return readCsv(chunks);
  if (format === 'ndjson') return readNdjson(chunks);
  return readJsonArray(chunks);
}

export const isUnreadable = (row: FileRow | UnreadableRow): row is UnreadableRow => 'problems' in row;
