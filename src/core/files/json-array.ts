import { type ParsedItem, parseHireBytes } from './json-item';
import { endOfFile, type FileLimits, type ReadRow, RowBudget, rowProblem } from './rows';
import { bomStripper } from './utf8';

const LF = 0x0a;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type State =
  | 'start'
  | 'wrapperKey'
  | 'wrapperName'
  | 'wrapperColon'
  | 'wrapperArray'
  | 'firstItem'
  | 'item'
  | 'afterItem'
  | 'nextItem'
  | 'afterArray'
  | 'done';

/**
 * Reads a JSON array of hires, or `{ "hires": [...] }`, item by item from raw bytes, whatever the
 * layout (one line, one item a line, pretty-printed): the whole file is never parsed at once, so a
 * one-line file lists every hire and an array of 100,000 numbers costs one small row at a time.
 *
 * A byte scanner finds where each item starts and ends (brackets and strings are all it needs to
 * know); each item is then decoded with a fatal UTF-8 decoder and parsed on its own. Items are
 * numbered from 1; the label gives the line the item starts on. An item that is not an object, is
 * not JSON, is too large or too deep is a problem of that item and the reader goes on; a broken
 * array (a missing comma, the file cut short) ends the file at that item.
 *
 * Hand-written because no JSON parser in this project's dependencies streams, and this scanner is
 * about a hundred lines that only find item boundaries: JSON.parse still does the parsing.
 */
export async function* readJsonArray(bytes: AsyncIterable<Uint8Array>, limits: FileLimits): AsyncGenerator<ReadRow> {
  const budget = new RowBudget(limits);
  let state = 'start' as State;
  let wrapped = false;
  let line = 1;
  let index = 0; // items seen so far
  const bom = bomStripper();

  // The item being read.
  let parts: Uint8Array[] = [];
  let size = 0;
  let itemLine = 1;
  let kind: 'container' | 'string' | 'scalar' = 'scalar';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let wrapperName = '';

  const labelOf = (n: number, at: number) => `item ${n} (line ${at})`;
  const brokenAt = (message: string) => endOfFile(index + 1, labelOf(index + 1, line), message);

  /** Counts a finished row against the file's limits. */
  function admit(row: ReadRow): { row: ReadRow; stop: boolean } {
    const over = budget.addRow('problems' in row);
    if (over) return { row: endOfFile(row.line, row.label, over), stop: true };
    return { row, stop: false };
  }

  function finishItem(): ReadRow {
    const number = index;
    const label = labelOf(number, itemLine);
    const item = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    const captured = size;
    parts = [];
    size = 0;
    if (captured > limits.maxRowBytes)
      return { line: number, label, problems: [rowProblem('(row)', `is ${captured} bytes long; at most ${limits.maxRowBytes} are read`)] };
    const parsed: ParsedItem = parseHireBytes(item, limits);
    return 'problems' in parsed ? { line: number, label, problems: parsed.problems } : { line: number, label, input: parsed.input };
  }

  function capture(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    const room = limits.maxRowBytes + 1 - size;
    if (room > 0) parts.push(chunk.subarray(from, from + Math.min(room, to - from)));
    size += to - from;
  }

  function startItem(byte: number): void {
    index += 1;
    itemLine = line;
    depth = 0;
    inString = false;
    escaped = false;
    kind = byte === 0x7b || byte === 0x5b ? 'container' : byte === QUOTE ? 'string' : 'scalar';
  }

  try {
    for await (const raw of bytes) {
      const over = budget.addBytes(raw.length);
      if (over) {
        yield brokenAt(over);
        return;
      }
      const chunk = bom.strip(raw);
      if (chunk === undefined) continue;
      let itemFrom = state === 'item' ? 0 : -1;
      for (let i = 0; i < chunk.length; i += 1) {
        const byte = chunk[i] as number;
        if (state === 'item') {
          let ends = false;
          let inclusive = true;
          if (kind === 'scalar') {
            if (isSpace(byte) || byte === 0x2c || byte === 0x5d || byte === 0x7d) {
              ends = true;
              inclusive = false;
            }
          } else if (inString) {
            if (escaped) escaped = false;
            else if (byte === BACKSLASH) escaped = true;
            else if (byte === QUOTE) {
              inString = false;
              ends = depth === 0; // a string item ends with its closing quote
            }
          } else if (byte === QUOTE) inString = true;
          else if (byte === 0x7b || byte === 0x5b) depth += 1;
          else if (byte === 0x7d || byte === 0x5d) {
            depth -= 1;
            ends = depth === 0;
          }
          if (!ends) {
            if (byte === LF) line += 1;
            continue;
          }
          capture(chunk, itemFrom, inclusive ? i + 1 : i);
          itemFrom = -1;
          state = 'afterItem';
          const { row, stop } = admit(finishItem());
          yield row;
          if (stop) return;
          if (!inclusive) i -= 1; // the byte that ended a number is the array's next token
          continue;
        }
        if (state === 'wrapperName') {
          if (byte === QUOTE && wrapperName === 'hires') state = 'wrapperColon';
          else if (byte === QUOTE || wrapperName.length >= 8) {
            yield brokenAt('expected a JSON array of hires, or { "hires": [...] }');
            return;
          } else wrapperName += String.fromCharCode(byte);
          continue;
        }
        if (byte === LF) line += 1;
        if (isSpace(byte)) continue;
        switch (state) {
          case 'start':
            if (byte === 0x5b) state = 'firstItem';
            else if (byte === 0x7b) {
              wrapped = true;
              state = 'wrapperKey';
            } else {
              yield brokenAt('expected a JSON array of hires, or { "hires": [...] }');
              return;
            }
            break;
          case 'wrapperKey':
            if (byte !== QUOTE) {
              yield brokenAt('expected a JSON array of hires, or { "hires": [...] }');
              return;
            }
            wrapperName = '';
            state = 'wrapperName';
            break;
          case 'wrapperColon':
            if (byte !== 0x3a) {
              yield brokenAt('expected : after "hires"');
              return;
            }
            state = 'wrapperArray';
            break;
          case 'wrapperArray':
            if (byte !== 0x5b) {
              yield brokenAt('"hires" must be an array');
              return;
            }
            state = 'firstItem';
            break;
          case 'firstItem':
          case 'nextItem':
            if (byte === 0x5d && state === 'firstItem') {
              state = 'afterArray';
              break;
            }
            if (byte === 0x5d || byte === 0x2c) {
              yield brokenAt(byte === 0x5d ? 'a comma before ] (JSON allows none)' : 'an empty item between two commas');
              return;
            }
            startItem(byte);
            state = 'item';
            itemFrom = i;
            i -= 1; // read the item's first byte as part of the item
            break;
          case 'afterItem':
            if (byte === 0x2c) state = 'nextItem';
            else if (byte === 0x5d) state = 'afterArray';
            else {
              yield brokenAt(`expected , or ] after item ${index}, found ${describeByte(byte)}`);
              return;
            }
            break;
          case 'afterArray':
            if (wrapped && byte === 0x7d) state = 'done';
            else {
              yield brokenAt(
                wrapped ? 'only "hires" is read; expected } after its array' : `unexpected ${describeByte(byte)} after the array`,
              );
              return;
            }
            break;
          case 'done':
            yield brokenAt(`unexpected ${describeByte(byte)} after the end of the file's JSON`);
            return;
        }
      }
      if (state === 'item' && itemFrom >= 0) capture(chunk, itemFrom, chunk.length);
    }
    if (state === 'item' && kind === 'scalar') {
      state = 'afterItem';
      const { row, stop } = admit(finishItem());
      yield row;
      if (stop) return;
    }
    if (state === 'done' || (state === 'afterArray' && !wrapped)) return;
    if (state === 'start') {
      yield brokenAt('the file is empty; expected a JSON array of hires, or { "hires": [...] }');
      return;
    }
    if (state === 'item') {
      yield endOfFile(index, labelOf(index, itemLine), `the file ends inside item ${index}, which starts on line ${itemLine}`);
      return;
    }
    yield brokenAt(wrapped ? 'the file ends before the end of { "hires": [...] }' : 'the file ends before the array is closed with ]');
  } finally {
    parts = [];
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
