import { parseHireBytes } from './json-item';
import { endOfFile, type FileLimits, type ReadRow, RowBudget, rowProblem } from './rows';
import { BOM, startsWith } from './utf8';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Reads NDJSON (JSON Lines) from raw bytes: one hire object a line, numbered by its 1-based line;
 * blank lines are skipped. Lines are split on the LF byte, which never occurs inside a UTF-8
 * multi-byte character, and each line is decoded whole with a fatal decoder. A line longer than
 * the row limit is a problem of that line, and its bytes past the limit are counted, not kept.
 */
export async function* readNdjson(bytes: AsyncIterable<Uint8Array>, limits: FileLimits): AsyncGenerator<ReadRow> {
  const budget = new RowBudget(limits);
  let line = 1;
  let parts: Uint8Array[] = [];
  let size = 0;
  let first = true;

  function finishLine(): ReadRow | undefined {
    const captured = size;
    let bytesOfLine = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    parts = [];
    size = 0;
    if (first) {
      first = false;
      if (startsWith(bytesOfLine, BOM)) bytesOfLine = bytesOfLine.subarray(BOM.length);
    }
    const label = `line ${line}`;
    if (captured > limits.maxRowBytes)
      return { line, label, problems: [rowProblem('(row)', `is ${captured} bytes long; at most ${limits.maxRowBytes} are read`)] };
    if (bytesOfLine[bytesOfLine.length - 1] === CR) bytesOfLine = bytesOfLine.subarray(0, bytesOfLine.length - 1);
    if (bytesOfLine.every((b) => b === 0x20 || b === 0x09)) return undefined;
    const parsed = parseHireBytes(bytesOfLine, limits);
    return 'problems' in parsed ? { line, label, problems: parsed.problems } : { line, label, input: parsed.input };
  }

  function capture(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const room = limits.maxRowBytes + 2 - size; // room for the limit and a CR
    if (room > 0) parts.push(chunk.subarray(from, from + Math.min(room, to - from)));
    size += to - from;
  }

  for await (const chunk of bytes) {
    const over = budget.addBytes(chunk.length);
    if (over) {
      yield endOfFile(line, `line ${line}`, over);
      return;
    }
    let from = 0;
    for (let lf = chunk.indexOf(LF); lf >= 0; lf = chunk.indexOf(LF, from)) {
      capture(chunk, from, lf);
      from = lf + 1;
      const row = finishLine();
      if (row) {
        const limit = budget.addRow('problems' in row);
        if (limit) {
          yield endOfFile(row.line, row.label, limit);
          return;
        }
        yield row;
      }
      line += 1;
    }
    capture(chunk, from, chunk.length);
  }
  if (size > 0) {
    const row = finishLine();
    if (row) {
      const limit = budget.addRow('problems' in row);
      yield limit ? endOfFile(row.line, row.label, limit) : row;
    }
  }
}
